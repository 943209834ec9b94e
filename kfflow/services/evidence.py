"""Evidence files on a case: checked, stored and listed with the step they support; downloaded by anyone signed in.

The services that take files (a progress report, a transition declared `evidence: true` in the lifecycle)
call `check_evidence` before anything is written and `attach_in_transaction` after their history entry, all
in their own transaction: a refused file leaves nothing behind, not the report or the transition either.
The history entry names each file with its SHA-256 (`evidence`), so the hash chain covers the evidence too.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kfflow.errors import NotFound
from kfflow.evidence import CheckedFile, Upload, check_uploads
from kfflow.models import Attachment, HistoryEntry, StoredFile
from kfflow.services._common import load_actor
from kfflow.storage import read_bytes, store_bytes
from kfflow.workflow.definition import FieldDef

FIELD = "attachments"  # the form field and the multipart part that carry the files (web and API alike)
HISTORY_FIELD = "evidence"
EVIDENCE_FIELD = FieldDef(HISTORY_FIELD, "text", "Underlag")  # how the history shows what it recorded


def check_evidence(uploads: list[Upload] | None) -> tuple[list[CheckedFile], dict[str, str]]:
    """The files that may be kept, and {FIELD: Swedish reason} when any may not."""
    checked, problem = check_uploads(list(uploads or ()))
    return checked, ({FIELD: problem} if problem else {})


def evidence_record(files: list[CheckedFile]) -> dict:
    """What the history entry records of the files: name and SHA-256 of each (part of its hashed content)."""
    if not files:
        return {}
    return {HISTORY_FIELD: [{"name": f.filename, "sha256": hashlib.sha256(f.content).hexdigest()} for f in files]}


def attach_in_transaction(session: Session, actor, case, files: list[CheckedFile], *, now: datetime,
                          progress_report=None) -> list[Attachment]:
    """Store `files` and link them to the case's newest history entry (just written by the caller)."""
    if not files:
        return []
    entry_id = session.scalar(select(HistoryEntry.id).where(
        HistoryEntry.case_kind == case.case_kind, HistoryEntry.case_id == case.id,
        HistoryEntry.seq == case.history_length))
    attachments = []
    for f in files:
        stored = store_bytes(session, f.content, filename=f.filename, media_type=f.media_type,
                             purpose=StoredFile.PURPOSE_EVIDENCE, created_by=actor, now=now)
        attachment = Attachment(case_kind=case.case_kind, case_id=case.id, history_entry_id=entry_id,
                                progress_report_id=getattr(progress_report, "id", None), stored_file=stored,
                                uploaded_by_id=getattr(actor, "id", None), uploaded_at=now)
        session.add(attachment)
        attachments.append(attachment)
    session.flush()
    return attachments


@dataclass(frozen=True)
class AttachmentInfo:
    """An attachment as pages and the API list it."""
    id: int
    filename: str
    media_type: str
    size: int
    sha256: str
    uploaded_at: datetime
    uploaded_by: str | None
    history_entry_id: int
    progress_report_id: int | None
    trigger: str


def attachments_of(session: Session, case_kind: str, case_id: int) -> list[AttachmentInfo]:
    """A case's attachments in the order they came, with the step each supports; one query, no bytes."""
    rows = session.execute(
        select(Attachment, HistoryEntry.trigger).join(HistoryEntry, HistoryEntry.id == Attachment.history_entry_id)
        .where(Attachment.case_kind == case_kind, Attachment.case_id == case_id).order_by(Attachment.id)).all()
    return [AttachmentInfo(a.id, a.stored_file.filename, a.stored_file.media_type, a.stored_file.size,
                           a.stored_file.sha256, a.uploaded_at,
                           a.uploaded_by.display_name if a.uploaded_by else None, a.history_entry_id,
                           a.progress_report_id, trigger) for a, trigger in rows]


@dataclass(frozen=True)
class AttachmentFile:
    content: bytes
    filename: str
    media_type: str
    sha256: str


def read_attachment(session: Session, actor, attachment_id: int) -> AttachmentFile:
    """The checked bytes of an attachment, for anyone signed in; NotFound when there is none."""
    actor = load_actor(session, actor)
    attachment = session.get(Attachment, attachment_id)
    if attachment is None:
        raise NotFound("Underlaget finns inte.")
    from kfflow.services.secrecy import require_attachment_readable  # secrecy reads this module's AttachmentInfo

    require_attachment_readable(session, actor, attachment)
    stored = attachment.stored_file
    return AttachmentFile(read_bytes(session, stored), stored.filename, stored.media_type, stored.sha256)
