"""The reminder outbox: one row per (rule, case, occurrence, recipient), sent exactly once.

The unique key is what makes concurrent sweeps safe: each inserts with ON CONFLICT DO NOTHING, and a
sender owns a row only after its conditional UPDATE (pending → sending, with its claim token) matched.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kfflow.db import Base, UTCDateTime, utcnow

# superseded: a later occurrence of the same rule and case went instead; skipped: no longer mailable.
OUTBOX_STATUSES = ("pending", "sending", "sent", "failed", "superseded", "skipped")


class OutboxMessage(Base):
    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("rule", "case_kind", "case_id", "occurrence", "recipient_id", name="uq_outbox_key"),
        # The sender's question: which rows are due now?
        Index("ix_outbox_due", "status", "next_attempt_at"),
        Index("ix_outbox_case", "case_kind", "case_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rule: Mapped[str] = mapped_column(String(60))
    case_kind: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[int] = mapped_column(Integer)
    # Names the anchor date and the offset ("due=2027-03-31;day=-3"): a revised due date is a new key.
    occurrence: Mapped[str] = mapped_column(String(80))
    occurs_on: Mapped[date] = mapped_column(Date)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claim_token: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    # What the sweep decided, kept with the row so the mail says what was due when it was queued.
    subject: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    case_title: Mapped[str] = mapped_column(Text)
    anchor_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.rule} {self.case_kind}:{self.case_id} {self.occurrence} → {self.recipient_id} {self.status}>"
