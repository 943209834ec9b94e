"""The register of generated formal documents: every version kept, nothing changed or deleted."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kfflow.db import Base, UTCDateTime
from kfflow.models.append_only import refuse_changes, refuse_changes_in_database
from kfflow.models.stored_file import StoredFile
from kfflow.models.user import User


class DocumentRecord(Base):
    __tablename__ = "document_record"
    __table_args__ = (
        UniqueConstraint("diarienummer", "document_number"),
        UniqueConstraint("kind", "subject_kind", "subject_id", "version"),
    )
    KIND_YTTRANDE = "yttrande"

    id: Mapped[int] = mapped_column(primary_key=True)
    diarienummer: Mapped[str] = mapped_column(String(60), index=True)
    document_number: Mapped[int] = mapped_column(Integer)   # running number within the diarienummer
    kind: Mapped[str] = mapped_column(String(40))            # "yttrande"
    subject_kind: Mapped[str] = mapped_column(String(40))    # the case the document belongs to
    subject_id: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)            # 1, 2, … per kind and case
    document_date: Mapped[date] = mapped_column(Date)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    media_type: Mapped[str] = mapped_column(String(100))
    # The bytes, written in the same transaction as this row; a stored document is never deleted.
    stored_file_id: Mapped[int] = mapped_column(ForeignKey("stored_file.id", ondelete="RESTRICT"), unique=True)
    generated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    generated_by: Mapped[User | None] = relationship()
    stored_file: Mapped[StoredFile] = relationship()

    @classmethod
    def latest_query(cls, kind: str, subject_kind: str, subject_id: int):
        return (select(cls).where(cls.kind == kind, cls.subject_kind == subject_kind,
                                  cls.subject_id == subject_id)
                .order_by(cls.version.desc()).limit(1))


class DocumentRegisterIsAppendOnly(RuntimeError):
    pass


refuse_changes(DocumentRecord, DocumentRegisterIsAppendOnly, "document record")
refuse_changes_in_database(DocumentRecord.__table__)
