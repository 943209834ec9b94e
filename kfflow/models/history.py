"""The append-only history of every case: what happened, who did it, when, with what.

Each case's entries form a hash chain: entry n carries `entry_hash` = SHA-256 over its predecessor's hash and
the digest of its own canonical content, and the case row keeps the chain's length and head
(`history_length`, `history_head`), so deleting the newest entry is noticed too (docs/records.md).
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kfflow.db import Base, JSONData, UTCDateTime
from kfflow.models.append_only import history_guard_sql, refuse_changes, refuse_changes_in_database
from kfflow.models.user import User


class HistoryEntry(Base):
    __tablename__ = "history_entry"
    # "The history of this case, in order" is the one query history serves; unique, so two writers cannot
    # both append at the same place of one chain.
    __table_args__ = (UniqueConstraint("case_kind", "case_id", "seq"),)

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
    seq: Mapped[int] = mapped_column(Integer)                # 1, 2, … within the case
    entry_hash: Mapped[str] = mapped_column(String(64))      # chain_hash(predecessor's, content_digest(self))
    # Set when a retention rule thinned the entry: its content digest from before, which the chain then uses.
    thinned_digest: Mapped[str | None] = mapped_column(String(64))

    actor: Mapped[User | None] = relationship()


class HistoryIsAppendOnly(RuntimeError):
    pass


refuse_changes(HistoryEntry, HistoryIsAppendOnly, "history entry")
refuse_changes_in_database(HistoryEntry.__table__, history_guard_sql)

# The columns an entry's digest covers, in this order (a row of them is what `content_digest` takes).
HASHED_COLUMNS = ("case_kind", "case_id", "seq", "trigger", "from_state", "to_state", "actor_id", "at", "fields",
                  "comment", "workflow_version")


def content_digest(case_kind, case_id, seq, trigger, from_state, to_state, actor_id, at, fields, comment,
                   workflow_version) -> str:
    """SHA-256 of the entry's canonical JSON: sorted keys, no spaces, UTF-8, the time in UTC to the microsecond."""
    canonical = json.dumps([case_kind, case_id, seq, trigger, from_state, to_state, actor_id,
                            at.astimezone(timezone.utc).isoformat(timespec="microseconds"), fields, comment,
                            workflow_version], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def chain_hash(previous: str | None, digest: str) -> str:
    """The hash an entry carries: its predecessor's (none for a case's first entry) and its own digest."""
    return hashlib.sha256(((previous or "") + digest).encode()).hexdigest()
