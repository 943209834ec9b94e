"""The append-only history of every case: what happened, who did it, when, with what."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kfflow.db import Base, JSONData, UTCDateTime
from kfflow.models.append_only import refuse_changes
from kfflow.models.user import User


class HistoryEntry(Base):
    __tablename__ = "history_entry"
    # "The history of this case, in order" is the one query history serves.
    __table_args__ = (Index("ix_history_entry_case", "case_kind", "case_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_kind: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[int] = mapped_column(Integer)
    trigger: Mapped[str] = mapped_column(String(60))
    from_state: Mapped[str | None] = mapped_column(String(40))
    to_state: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    fields: Mapped[dict] = mapped_column(JSONData, default=dict)
    comment: Mapped[str | None] = mapped_column(Text)
    workflow_version: Mapped[int | None] = mapped_column(Integer)

    actor: Mapped[User | None] = relationship()


class HistoryIsAppendOnly(RuntimeError):
    pass


refuse_changes(HistoryEntry, HistoryIsAppendOnly, "history entry")
