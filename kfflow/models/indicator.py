"""Indicators on a measure (how its effect is measured) and the values recorded for them over time."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, Integer, ScalarSelect, String, Text, func, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kfflow.db import Base, UTCDateTime, add_days, utcnow
from kfflow.models.user import User


class Indicator(Base):
    """"Sjukfrånvaro bland sjuksköterskor, 7,9 % 2024, mål 6,5 % till 2026", measured every `frequency_days`."""

    __tablename__ = "indicator"

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measure.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(40))
    direction: Mapped[str] = mapped_column(String(10))  # "higher" or "lower" is better
    baseline: Mapped[float] = mapped_column(Float)
    baseline_date: Mapped[date] = mapped_column(Date)
    target: Mapped[float] = mapped_column(Float)
    target_date: Mapped[date] = mapped_column(Date)
    frequency_days: Mapped[int] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    measurements: Mapped[list["Measurement"]] = relationship(
        back_populates="indicator", order_by="(Measurement.measured_on, Measurement.id)",
        cascade="all, delete-orphan")


class Measurement(Base):
    """One value of an indicator at one date, with where it came from."""

    __tablename__ = "measurement"

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicator.id", ondelete="CASCADE"), index=True)
    value: Mapped[float] = mapped_column(Float)
    measured_on: Mapped[date] = mapped_column(Date)
    source: Mapped[str | None] = mapped_column(String(200))
    comment: Mapped[str | None] = mapped_column(Text)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    indicator: Mapped[Indicator] = relationship(back_populates="measurements")
    entered_by: Mapped[User | None] = relationship()


def next_value_due(measure_id) -> ScalarSelect:
    """SQL: the first day one of the measure's indicators is due a new value — its latest measurement (the
    baseline until there is one) plus its frequency; NULL without indicators. Reminders count from it
    (`indicator_due` in workflows/reminders.yaml); after this day the indicator is stale."""
    last = (select(func.max(Measurement.measured_on)).where(Measurement.indicator_id == Indicator.id)
            .correlate(Indicator).scalar_subquery())
    due = add_days(func.coalesce(last, Indicator.baseline_date), Indicator.frequency_days)
    return select(func.min(due)).where(Indicator.measure_id == measure_id).scalar_subquery()
