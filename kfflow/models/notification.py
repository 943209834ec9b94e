"""In-app notifications and each user's choice of how reminders reach them."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kfflow.db import Base, UTCDateTime, utcnow

DELIVERY_MODES = ("immediate", "daily", "weekly")


class Notification(Base):
    """What the sweep found due for one user, shown in the web interface whether or not mail is on."""

    __tablename__ = "notification"
    __table_args__ = (
        UniqueConstraint("rule", "case_kind", "case_id", "occurrence", "user_id", name="uq_notification_key"),
        Index("ix_notification_user", "user_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    rule: Mapped[str] = mapped_column(String(60))
    case_kind: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[int] = mapped_column(Integer)
    occurrence: Mapped[str] = mapped_column(String(80))
    occurs_on: Mapped[date] = mapped_column(Date)
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NotificationPreference(Base):
    """Absent row = mail on, sent immediately."""

    __tablename__ = "notification_preference"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    mail_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    delivery: Mapped[str] = mapped_column(String(20), default="immediate")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
