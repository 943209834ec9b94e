"""What every case kind shares: a state in a versioned workflow, an owner, an optimistic-lock version."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from kfflow.db import UTCDateTime, utcnow


class CaseMixin:
    # The name HistoryEntry.case_kind uses for this class; set by each case model.
    case_kind: str = ""

    state: Mapped[str] = mapped_column(String(40), index=True)
    workflow_name: Mapped[str] = mapped_column(String(60))
    workflow_version: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # The case's history chain: how many entries, and the newest one's hash (HistoryEntry.entry_hash).
    history_length: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    history_head: Mapped[str | None] = mapped_column(String(64))

    @declared_attr
    def owner_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("user_account.id"), index=True)

    @declared_attr
    def owner(cls):
        return relationship("User", foreign_keys=[cls.owner_id])

    @declared_attr.directive
    def __mapper_args__(cls):
        # SQLAlchemy adds "AND version = :old" to every UPDATE and raises StaleDataError on 0 rows.
        return {"version_id_col": cls.version}
