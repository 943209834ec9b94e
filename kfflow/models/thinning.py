"""The gallringslogg: one row per record thinned under a retention rule (workflows/retention.yaml)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kfflow.db import Base, JSONData, UTCDateTime
from kfflow.models.append_only import refuse_changes, refuse_changes_in_database


class ThinningLogEntry(Base):
    __tablename__ = "thinning_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    decision: Mapped[str] = mapped_column(String(300))       # the decided rule the thinning rests on
    rule: Mapped[str] = mapped_column(String(300))           # the rule's label
    record_type: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int] = mapped_column(Integer)
    case_kind: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[int] = mapped_column(Integer, index=True)
    sha256: Mapped[str] = mapped_column(String(64))          # of the record's content as it was
    thinned_history: Mapped[list] = mapped_column(JSONData, default=list)  # seq of history entries thinned with it


class ThinningLogIsAppendOnly(RuntimeError):
    pass


refuse_changes(ThinningLogEntry, ThinningLogIsAppendOnly, "thinning log entry")
refuse_changes_in_database(ThinningLogEntry.__table__)
