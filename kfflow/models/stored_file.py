"""Bytes kfflow keeps: registered documents, uploaded spreadsheets awaiting confirmation, generated reports.

A row is written in the same transaction as whatever refers to it, so a register row and its bytes exist
together or not at all. The bytes of a row never change; a transient file (an upload, a cached report)
carries `expires_at` and is deleted after it, a registered document never is (its register row refers to it).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, deferred, mapped_column

from kfflow.db import Base, UTCDateTime
from kfflow.models.append_only import refuse_changes


class StoredFile(Base):
    __tablename__ = "stored_file"

    PURPOSE_DOCUMENT = "document"            # a registered document (the register row refers to it)
    PURPOSE_IMPORT_UPLOAD = "import_upload"  # a spreadsheet between preview and confirm
    PURPOSE_REPORT = "report"                # a generated report kept for its reader
    PURPOSE_EVIDENCE = "evidence"            # a file attached to a case as evidence (an `attachment` row)

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(40))
    filename: Mapped[str] = mapped_column(String(255))       # the name offered on download
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    backend: Mapped[str] = mapped_column(String(20))         # where the bytes are: "database" (else an object store)
    # Deferred: listing files or registers never loads the bytes.
    content: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


class StoredFileIsImmutable(RuntimeError):
    pass


# Transient files are deleted when they expire; the bytes of a row are never rewritten.
refuse_changes(StoredFile, StoredFileIsImmutable, "stored file", deletes=False)
