"""Generating the formal documents and registering them: previews for everyone, registration by the registrar.

A registered document's bytes are stored (`kfflow.storage`) in the same transaction as its row in the
append-only register, with its SHA-256: both exist or neither, whatever is interrupted when. Generating it
again makes a new version with a new document number.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kfflow.clock import local_today
from kfflow.db import utcnow, write_transaction
from kfflow.documents.ranking import ranking_data, ranking_pdf
from kfflow.documents.reports import delrapport_data, report_pdf, slutredovisning_data
from kfflow.documents.docx_yttrande import yttrande_docx as yttrande_docx_bytes
from kfflow.documents.yttrande import DEFAULT_ORGANISATION, yttrande_data, yttrande_pdf
from kfflow.errors import GuardFailed, NotFound, ValidationError
from kfflow.faults import crash_point
from kfflow.models import Audit, DocumentRecord, Setting, StoredFile
from kfflow.services import secrecy
from kfflow.services._common import add_history, load_actor
from kfflow.services.access import require, workflow_of
from kfflow.services.ranking import ranking
from kfflow.storage import StoredFileCorrupt, read_bytes, store_bytes
from kfflow.workflow.definition import FieldDef
from kfflow.workflow.fields import check_text, parse_fields

log = logging.getLogger(__name__)

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

StoredDocumentCorrupt = StoredFileCorrupt  # the stored bytes no longer match the hash in the register


@dataclass(frozen=True)
class RenderedDocument:
    content: bytes
    filename: str
    media_type: str
    record: DocumentRecord | None = None  # set when this is a registered version


def organisation_name(session: Session) -> str:
    setting = session.get(Setting, "organisation_name")
    return (setting.value if setting and setting.value else DEFAULT_ORGANISATION)


# What registering a document records in the case's history.
DOCUMENT_EVENT_FIELDS = (FieldDef("document", "text", "Handling"), FieldDef("document_number", "number", "Handling nr"),
                         FieldDef("version", "number", "Version"), FieldDef("sha256", "text", "SHA-256"))


def _load_audit(session: Session, audit_id: int, *, lock: bool = False) -> Audit:
    audit = session.get(Audit, audit_id, populate_existing=True, with_for_update=lock or None)
    if audit is None:
        raise NotFound("Granskningen finns inte.")
    return audit


def file_stem(diarienummer: str | None) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", diarienummer or "utan-dnr").strip("-")


def is_adopted(audit: Audit) -> bool:
    """A final yttrande states what the body adopted; before the decision there is only a draft."""
    return workflow_of(audit).has_tag(audit.state, "adopted")


def _letter_date(audit: Audit, now: datetime) -> date:
    """The yttrande is dated the day the body adopted it; a draft carries today's date."""
    return audit.meeting_date or local_today(now)


def preview_yttrande(session: Session, actor, audit_id: int, *, now: datetime | None = None) -> bytes:
    """The yttrande as it stands, marked UTKAST on every page. Anyone signed in may preview."""
    now = now or utcnow()
    actor = load_actor(session, actor)
    audit = secrecy.lens(session, actor).view(_load_audit(session, audit_id))  # marked text reads as the notice
    data = yttrande_data(audit, organisation=organisation_name(session), draft=True,
                         document_date=_letter_date(audit, now))
    return yttrande_pdf(data, when=now)


def draft_yttrande(session: Session, actor, audit_id: int, *, now: datetime | None = None) -> RenderedDocument:
    """Always a draft marked UTKAST, even after a version is registered: to see what a new one would say."""
    content = preview_yttrande(session, actor, audit_id, now=now)
    stem = file_stem(session.get(Audit, audit_id).diarienummer)
    return RenderedDocument(content, f"{stem}-yttrande-utkast.pdf", PDF)


def _require_registrable(actor, audit: Audit) -> None:
    try:
        require(actor, "register_document", audit)
    except GuardFailed:
        raise GuardFailed("Yttrandet kan registreras först när beslutet om det har förts in. "
                          "Förhandsgranska utkastet så länge.") from None
    if not (audit.diarienummer or "").strip():
        raise ValidationError("Granskningen saknar diarienummer.",
                              {"diarienummer": "Ange diarienummer innan yttrandet registreras."})


def check_registration(session: Session, actor, audit_id: int) -> None:
    """Whether `actor` may register the audit's yttrande now: refused at once, before a job is queued."""
    _require_registrable(load_actor(session, actor), _load_audit(session, audit_id))


def register_yttrande(session: Session, actor, audit_id: int, *, now: datetime | None = None) -> DocumentRecord:
    """Render the final yttrande and register it, bytes and register row in one transaction."""
    with write_transaction(session):
        record = register_yttrande_in_transaction(session, actor, audit_id, now=now)
    crash_point("register:committed")
    return record


def register_yttrande_in_transaction(session: Session, actor, audit_id: int, *,
                                     now: datetime | None = None) -> DocumentRecord:
    """The registration inside the caller's write transaction (the job's, which ends the job in the same
    commit): nothing is committed here."""
    now = now or utcnow()
    actor = load_actor(session, actor)
    audit = _load_audit(session, audit_id, lock=True)
    _require_registrable(actor, audit)
    kind = DocumentRecord.KIND_YTTRANDE
    version = 1 + (session.scalar(select(func.max(DocumentRecord.version)).where(
        DocumentRecord.kind == kind, DocumentRecord.subject_kind == "audit",
        DocumentRecord.subject_id == audit.id)) or 0)
    number = 1 + (session.scalar(select(func.max(DocumentRecord.document_number)).where(
        DocumentRecord.diarienummer == audit.diarienummer)) or 0)
    data = yttrande_data(audit, organisation=organisation_name(session), draft=False,
                         document_date=_letter_date(audit, now), document_number=number, version=version)
    content = yttrande_pdf(data, when=now)
    crash_point("register:rendered")
    # The name is only offered on download; the register row's id, not the name, identifies the document.
    stem = file_stem(audit.diarienummer)
    stored = store_bytes(session, content, filename=f"{stem}-{number:04d}-{kind}-v{version}.pdf",
                         media_type=PDF, purpose=StoredFile.PURPOSE_DOCUMENT, created_by=actor, now=now)
    crash_point("register:stored")
    record = DocumentRecord(
        diarienummer=audit.diarienummer, document_number=number, kind=kind, subject_kind="audit",
        subject_id=audit.id, version=version, document_date=local_today(now), sha256=stored.sha256,
        size=stored.size, media_type=PDF, stored_file=stored, generated_by_id=actor.id, created_at=now)
    session.add(record)
    session.flush()
    add_history(session, case=audit, trigger="register_document", from_state=audit.state, actor=actor,
                at=now, fields={"document": kind, "document_number": number, "version": version,
                                "sha256": record.sha256})
    crash_point("register:recorded")
    log.info("registering %s v%s of audit %s as %s nr %s", kind, version, audit_id, record.diarienummer, number)
    return record


def registered_documents(session: Session, actor, audit_id: int) -> list[DocumentRecord]:
    load_actor(session, actor)
    return list(session.scalars(select(DocumentRecord).where(
        DocumentRecord.subject_kind == "audit", DocumentRecord.subject_id == audit_id)
        .order_by(DocumentRecord.version)))


def read_registered(session: Session, record: DocumentRecord) -> bytes:
    """The stored bytes of a registered document, checked against the register's hash."""
    return read_bytes(session, record.stored_file, expected_sha256=record.sha256)


def verify_register(session: Session) -> tuple[int, list[str]]:
    """Check every registered document's stored bytes against the register's SHA-256 (after a restore, or as
    an audit of the register); the operator's command, no actor. Returns how many were checked and a line
    per document that does not match."""
    problems = []
    records = list(session.scalars(select(DocumentRecord).order_by(DocumentRecord.id)))
    for record in records:
        try:
            read_registered(session, record)
        except StoredFileCorrupt as exc:
            problems.append(f"{record.diarienummer} handling {record.document_number} version {record.version}: "
                            f"{exc.message}")
    return len(records), problems


def current_yttrande(session: Session, actor, audit_id: int, *, now: datetime | None = None) -> RenderedDocument:
    """The latest registered version of the yttrande, else a draft."""
    actor = load_actor(session, actor)
    audit = _load_audit(session, audit_id)
    record = session.scalar(DocumentRecord.latest_query(DocumentRecord.KIND_YTTRANDE, "audit", audit.id))
    if record is not None:
        secrecy.require_document_readable(session, actor, record)
        return RenderedDocument(read_registered(session, record), record.stored_file.filename, PDF, record)
    return RenderedDocument(preview_yttrande(session, actor, audit_id, now=now),
                            f"{file_stem(audit.diarienummer)}-yttrande-utkast.pdf", PDF)


# --- reports ------------------------------------------------------------------------------------

def _report_diarienummer(session: Session, given: str | None) -> str | None:
    if given:
        try:
            return check_text(given, multiline=False, max_length=DocumentRecord.__table__.c.diarienummer.type.length)
        except ValueError as exc:
            raise ValidationError("Diarienumret är felaktigt.", {"diarienummer": f"Diarienummer: {exc}"}) from None
    setting = session.get(Setting, "programme_diarienummer")
    return setting.value if setting and setting.value else None


def delrapport_period(session: Session, start, end) -> tuple[date, date]:
    """The report's first and last day, both included; ValidationError in Swedish when they are not a period."""
    period = (FieldDef("from", "date", "Från"), FieldDef("to", "date", "Till"))
    values, errors = parse_fields(session, period, {"from": start, "to": end})
    if not errors and values["from"] > values["to"]:
        errors["to"] = "Till-datumet måste vara samma dag som eller efter från-datumet."
    if errors:
        raise ValidationError("Perioden är felaktig.", errors)
    return values["from"], values["to"]


def render_delrapport(session: Session, actor, start, end, *, diarienummer: str | None = None,
                      now: datetime | None = None) -> bytes:
    """The interim report (lägesbild) for the period start..end, both days included."""
    now = now or utcnow()
    actor = load_actor(session, actor)
    first, last = delrapport_period(session, start, end)
    data = delrapport_data(session, first, last, organisation=organisation_name(session),
                           diarienummer=_report_diarienummer(session, diarienummer), document_date=local_today(now),
                           view=secrecy.lens(session, actor).view)
    return report_pdf(data, when=now)


def render_slutredovisning(session: Session, actor, *, diarienummer: str | None = None,
                           now: datetime | None = None) -> bytes:
    """The final report: decided measures by category, the working groups' status, the handover."""
    now = now or utcnow()
    actor = load_actor(session, actor)
    data = slutredovisning_data(session, organisation=organisation_name(session),
                                diarienummer=_report_diarienummer(session, diarienummer), document_date=local_today(now),
                                view=secrecy.lens(session, actor).view)
    return report_pdf(data, when=now)


def yttrande_docx(session: Session, actor, audit_id: int, *, now: datetime | None = None) -> RenderedDocument:
    """The yttrande as .docx for the registrar to edit wording before the meeting; a draft until decided."""
    now = now or utcnow()
    actor = load_actor(session, actor)
    audit = secrecy.lens(session, actor).view(_load_audit(session, audit_id))  # marked text reads as the notice
    data = yttrande_data(audit, organisation=organisation_name(session),
                         draft=not is_adopted(audit), document_date=_letter_date(audit, now))
    suffix = "-utkast" if data["draft"] else ""
    return RenderedDocument(yttrande_docx_bytes(data), f"{file_stem(audit.diarienummer)}-yttrande{suffix}.docx", DOCX)


def render_ranking(session: Session, actor, *, now: datetime | None = None) -> RenderedDocument:
    """The ranked list as a PDF to print for the meeting; who may see the list (`rank`) may have it."""
    now = now or utcnow()
    view = ranking(session, actor)
    data = ranking_data(view, organisation=organisation_name(session))
    return RenderedDocument(ranking_pdf(data, when=now), f"rangordning-{view.as_of.isoformat()}.pdf", PDF)
