"""Audits (granskningar) and their recommendations."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.ext.orderinglist import ordering_list
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kfflow.db import Base, JSONData, UTCDateTime, utcnow
from kfflow.models.case import CaseMixin
from kfflow.models.measure import Measure


class Audit(CaseMixin, Base):
    """An audit report and the body's response to it: a case of its own (registered → … → followed_up)."""

    __tablename__ = "audit"
    case_kind = "audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))          # "Fördjupad granskning"
    number: Mapped[str] = mapped_column(String(40))         # "7/2022"
    subject: Mapped[str] = mapped_column(String(300))       # "Strategisk kompetensförsörjning"
    diarienummer: Mapped[str | None] = mapped_column(String(60), index=True)
    received: Mapped[date | None] = mapped_column(Date)
    response_due: Mapped[date | None] = mapped_column(Date)
    responding_body: Mapped[str] = mapped_column(String(200), default="Regionstyrelsen")
    addressee: Mapped[str] = mapped_column(String(200), default="Revisorerna")
    signatories: Mapped[list] = mapped_column(JSONData, default=list)
    # The yttrande's layout: "board" (answers under each recommendation) or "committee" (bullets first).
    template: Mapped[str] = mapped_column(String(20), default="board")
    summary: Mapped[str | None] = mapped_column(Text)             # "Sammanfattning"
    # The meeting that adopted the yttrande (set by the `decide` transition) and when it was sent.
    body: Mapped[str | None] = mapped_column(String(200))          # "Regionstyrelsen"
    meeting_date: Mapped[date | None] = mapped_column(Date)
    paragraph: Mapped[str | None] = mapped_column(String(40))      # "§ 81"
    sent_on: Mapped[date | None] = mapped_column(Date)
    follow_up_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    recommendations: Mapped[list["Recommendation"]] = relationship(
        back_populates="audit", order_by="Recommendation.number", cascade="all, delete-orphan")


class RecommendationMeasure(Base):
    """A measure promised in answer to a recommendation, in the order the answer lists them."""

    __tablename__ = "recommendation_measure"

    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendation.id", ondelete="CASCADE"), primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measure.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)

    measure: Mapped[Measure] = relationship()


class Recommendation(CaseMixin, Base):
    __tablename__ = "recommendation"
    __table_args__ = (UniqueConstraint("audit_id", "number"),)
    case_kind = "recommendation"

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audit.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    answer: Mapped[str | None] = mapped_column(Text)
    decision_ref: Mapped[str | None] = mapped_column(String(200))
    implementation_note: Mapped[str | None] = mapped_column(Text)
    evaluation: Mapped[str | None] = mapped_column(Text)
    # Why the body takes no measure for this recommendation; the alternative to linking one.
    no_measure_reason: Mapped[str | None] = mapped_column(Text)

    audit: Mapped[Audit] = relationship(back_populates="recommendations")
    measure_links: Mapped[list[RecommendationMeasure]] = relationship(
        order_by=RecommendationMeasure.position, collection_class=ordering_list("position"),
        cascade="all, delete-orphan")

    @property
    def measures(self) -> list[Measure]:
        return [link.measure for link in self.measure_links]
