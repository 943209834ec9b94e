"""Evidence files (underlag) attached to a case: to a progress report, or to a transition such as `implement`.

One row per file. The bytes are a `stored_file` (purpose "evidence", with its SHA-256), written in the same
transaction as the history entry that names the file, so the file and the step it supports exist together or
not at all. A row is never changed; the secrecy marking planned for attachments is meant to be columns of
this row (docs/architecture.md, "Evidence files").
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kfflow.db import Base, UTCDateTime
from kfflow.models.append_only import refuse_changes
from kfflow.models.stored_file import StoredFile
from kfflow.models.user import User


class Attachment(Base):
    __tablename__ = "attachment"
    __table_args__ = (Index("ix_attachment_case", "case_kind", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_kind: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[int] = mapped_column(Integer)
    # The history entry recording the step the file supports (its fields name the file and its SHA-256).
    history_entry_id: Mapped[int] = mapped_column(ForeignKey("history_entry.id", ondelete="RESTRICT"), index=True)
    # Set for a progress report's files; a thinned (deleted) report leaves its files with the history entry.
    progress_report_id: Mapped[int | None] = mapped_column(
        ForeignKey("progress_report.id", ondelete="SET NULL"), index=True)
    stored_file_id: Mapped[int] = mapped_column(ForeignKey("stored_file.id", ondelete="RESTRICT"), unique=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)

    stored_file: Mapped[StoredFile] = relationship(lazy="joined")
    uploaded_by: Mapped[User | None] = relationship()


class AttachmentIsImmutable(RuntimeError):
    pass


refuse_changes(Attachment, AttachmentIsImmutable, "attachment")
