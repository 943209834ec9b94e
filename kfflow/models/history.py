"""The append-only history of every case: what happened, who did it, when, with what."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from kfflow.db import Base, JSONData, UTCDateTime
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


@event.listens_for(HistoryEntry, "before_update")
def _refuse_update(_mapper, _connection, target):
    raise HistoryIsAppendOnly(f"history entry {target.id} may not be changed")


@event.listens_for(HistoryEntry, "before_delete")
def _refuse_delete(_mapper, _connection, target):
    raise HistoryIsAppendOnly(f"history entry {target.id} may not be deleted")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_changes(state):
    if (state.is_update or state.is_delete) and any(
            m.class_ is HistoryEntry for m in state.all_mappers):
        raise HistoryIsAppendOnly("history entries may not be changed or deleted")
