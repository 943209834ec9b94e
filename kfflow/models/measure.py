"""Measures (åtgärder) and their progress reports."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kfflow.db import Base, UTCDateTime, utcnow
from kfflow.models.case import CaseMixin
from kfflow.models.user import Body, User


class Measure(CaseMixin, Base):
    __tablename__ = "measure"
    case_kind = "measure"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(40), index=True)
    working_group: Mapped[str | None] = mapped_column(String(120), index=True)
    strategic_area: Mapped[str | None] = mapped_column(String(120))
    horizon: Mapped[str | None] = mapped_column(String(20))
    # An owner may be a unit such as "HSD och DC" rather than a person.
    owner_body_id: Mapped[int | None] = mapped_column(ForeignKey("body.id"))
    proposer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    governing_plans: Mapped[str | None] = mapped_column(Text)
    priority: Mapped[int | None] = mapped_column(Integer)
    expected_effect: Mapped[str | None] = mapped_column(Text)
    indicator: Mapped[str | None] = mapped_column(Text)
    due_date: Mapped[date | None] = mapped_column(Date, index=True)
    decision_ref: Mapped[str | None] = mapped_column(String(200))
    implementation_note: Mapped[str | None] = mapped_column(Text)
    evaluation: Mapped[str | None] = mapped_column(Text)
    effect: Mapped[str | None] = mapped_column(String(20))
    status_note: Mapped[str | None] = mapped_column(Text)
    # The judgement under workflows/scoring.yaml, {criterion: step}; the score is computed from it, not kept.
    scores: Mapped[dict | None] = mapped_column(JSON)

    owner_body: Mapped[Body | None] = relationship()
    proposer: Mapped[User | None] = relationship(foreign_keys=[proposer_id])
    progress_reports: Mapped[list["ProgressReport"]] = relationship(
        back_populates="measure", order_by="ProgressReport.reported_on", cascade="all, delete-orphan")
    indicators: Mapped[list["Indicator"]] = relationship(order_by="Indicator.id", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Measure {self.id} {self.state} {self.title!r}>"


class ProgressReport(Base):
    """"Vad är gjort? / Vad pågår? / Vad finns planerat?" for one measure at one date."""

    __tablename__ = "progress_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measure.id", ondelete="CASCADE"), index=True)
    reported_on: Mapped[date] = mapped_column(Date)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    done: Mapped[str | None] = mapped_column(Text)
    ongoing: Mapped[str | None] = mapped_column(Text)
    planned: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    measure: Mapped[Measure] = relationship(back_populates="progress_reports")
    author: Mapped[User | None] = relationship()
