"""Personal calendar feed tokens: random, stored only as a SHA-256 hash, revocable, expiring."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from kfflow.db import Base, UTCDateTime, utcnow


class CalendarToken(Base):
    __tablename__ = "calendar_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A feed URL leaks easily (shared calendars, sync services): it stops working after a while
    # unless its owner renews it (KFFLOW_CALENDAR_FEED_DAYS).
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
