"""Secrecy markings (OSL): which case, progress report or registered document is covered by secrecy, on what
ground. One row per marked subject: the current marking. Marking, changing and unmarking are history entries of
the case the subject belongs to; the row only says what holds now."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kfflow.db import Base, UTCDateTime
from kfflow.models.user import User


class SecrecyMarking(Base):
    __tablename__ = "secrecy_marking"
    __table_args__ = (UniqueConstraint("subject_kind", "subject_id"),
                      Index("ix_secrecy_marking_case", "case_kind", "case_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_kind: Mapped[str] = mapped_column(String(40))   # measure, recommendation, audit, progress_report, document
    subject_id: Mapped[int] = mapped_column(Integer)
    case_kind: Mapped[str] = mapped_column(String(40))      # the case whose history records the marking
    case_id: Mapped[int] = mapped_column(Integer)
    ground: Mapped[str] = mapped_column(String(40))         # a value of the vocabulary secrecy_grounds: "OSL 39:3"
    reason: Mapped[str] = mapped_column(Text)
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime)

    marked_by: Mapped[User | None] = relationship()
