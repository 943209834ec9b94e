"""Failed attempts to prove a password, from any door (web sign-in, API token requests): the throttle's memory."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from kfflow.db import Base, UTCDateTime


class SignInFailure(Base):
    """One failed (or still running) password check, counted per account, per address and per both.

    A row is written before the password is checked and deleted when it proves right, so concurrent
    guesses are counted as they start, not as they end (see kfflow.services.throttle)."""

    __tablename__ = "sign_in_failure"
    __table_args__ = (Index("ix_sign_in_failure_username_at", "username", "at"),
                      Index("ix_sign_in_failure_address_at", "address", "at"),
                      Index("ix_sign_in_failure_at", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80))
    address: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))   # web, api: where the attempt came in, for the log
    at: Mapped[datetime] = mapped_column(UTCDateTime)
