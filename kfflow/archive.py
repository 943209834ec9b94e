"""Archive delivery: one E-ARK CSIP / FGS Paketstruktur SIP per closed case, and its verification.

A package is a folder named after its OBJID:

    kfflow-<kind>-<id>/
      METS.xml                               root METS: metsHdr, dmdSec, amdSec, fileSec, structMap
      metadata/descriptive/case.xml          the case (element names after CITS ERMS / FGS Ärendehantering)
      metadata/preservation/premis.xml       PREMIS 3 objects, events (the case history) and agents
      representations/rep1/data/*.pdf        the registered documents, PDF/A as registered
      representations/rep1/data/underlag/*   evidence files attached to progress reports and transitions
    and, only when something in the case is marked secret (OSL):
      metadata/preservation/secrecy.xml      which subjects are marked, on which ground (not why)
      representations/rep2-sekretess/data/   the restricted part: the case XML unmasked, the marked documents

The open part (case.xml, premis.xml, METS LABEL, rep1) is written as a reader without `read_secret` sees the
case: marked text reads "Uppgift omfattas av sekretess (OSL 39:3)" (kfflow.services.secrecy; docs/records.md).

Versions followed and what is left out: docs/records.md ("Archive package"). The export streams: it reads the ids
of the closed cases, then loads, writes and forgets one case at a time; each package is written to a
`.partial` folder and renamed when complete, so an interrupted export leaves no half package under its name.
"""
from __future__ import annotations

import hashlib
import mimetypes
import os
import re
import shutil
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kfflow import __version__ as KFFLOW_VERSION
from kfflow.clock import local_today
from kfflow.errors import KfflowError, NotFound
from kfflow.kinds import KINDS
from kfflow.models import Attachment, DocumentRecord, HistoryEntry, User
from kfflow.services.secrecy import SecrecyLens
from kfflow.storage import read_bytes
from kfflow.workflow import get_workflows
from kfflow.workflow.definition import WorkflowDef

METS_NS = "http://www.loc.gov/METS/"
XLINK_NS = "http://www.w3.org/1999/xlink"
CSIP_NS = "https://DILCIS.eu/XML/METS/CSIPExtensionMETS"
SIP_NS = "https://DILCIS.eu/XML/METS/SIPExtensionMETS"
PREMIS_NS = "http://www.loc.gov/premis/v3"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
CASE_NS = "urn:kfflow:archive:case:1"  # kfflow's own; the element names follow CITS ERMS (docs/records.md)
CSIP_PROFILE = "https://earkcsip.dilcis.eu/profile/E-ARK-CSIP.xml"

for _prefix, _uri in (("mets", METS_NS), ("xlink", XLINK_NS), ("csip", CSIP_NS), ("sip", SIP_NS),
                      ("premis", PREMIS_NS), ("xsi", XSI_NS), ("", CASE_NS)):
    ET.register_namespace(_prefix, _uri)

# The kinds delivered as packages of their own; a recommendation travels inside its audit's package.
ARCHIVED_KINDS = ("measure", "audit")
DATA_DIR = "representations/rep1/data"
RESTRICTED_DIR = "representations/rep2-sekretess/data"
RESTRICTED_CASE_XML = f"{RESTRICTED_DIR}/case.xml"
SECRECY_XML = "metadata/preservation/secrecy.xml"
CASE_XML = "metadata/descriptive/case.xml"
PREMIS_XML = "metadata/preservation/premis.xml"
CHECKSUM_TYPE = "SHA-256"
_CHUNK = 1 << 20


class CaseNotClosed(KfflowError):
    """An archive export asked for a case that is still open."""


def closed_states(definition: WorkflowDef) -> frozenset[str]:
    """The states in which a case of this lifecycle is closed, as the workflow definition says.

    Definitions with state tags answer with `closed`; before tags, a final state, or one with no way forward
    (only back to an earlier state, as `evaluated` → `decided`), is closed."""
    if hasattr(definition, "tagged"):
        return frozenset(definition.tagged("closed"))
    order = list(definition.states)
    closed = set()
    for name, state in definition.states.items():
        forward = [t for t in definition.transitions
                   if name in t.sources and t.dest is not None and order.index(t.dest) > order.index(name)]
        if state.final or not forward:
            closed.add(name)
    return frozenset(closed)


def _n(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


def _sub(parent: ET.Element, ns: str, tag: str, text=None, **attrs) -> ET.Element:
    element = ET.SubElement(parent, _n(ns, tag), {k: str(v) for k, v in attrs.items() if v is not None})
    if text is not None:
        element.text = str(text)
    return element


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def file_digest(path: Path) -> tuple[str, int]:
    """SHA-256 (hex) and size of a file, read in chunks."""
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _write_xml(root: ET.Element, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.indent(root)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


# --- what goes into a package ----------------------------------------------------------------------

@dataclass(frozen=True)
class DataFile:
    """A content file of the package: where it is, and what the METS and PREMIS say of it."""
    relative: str
    sha256: str
    size: int
    media_type: str
    format_name: str


@dataclass
class ExportResult:
    written: list[str]
    skipped: list[str]


def package_id(kind: str, case_id: int) -> str:
    return f"kfflow-{kind}-{case_id}"


def _closed_case_ids(session: Session, kind: str) -> Iterator[int]:
    """The ids of a kind's closed cases, by the closed states of the lifecycle version each case follows."""
    model = KINDS[kind].model
    workflows = get_workflows()
    versions = session.execute(select(model.workflow_name, model.workflow_version).distinct()).all()
    for name, version in versions:
        states = closed_states(workflows.get(name, version))
        yield from session.scalars(select(model.id).where(
            model.workflow_name == name, model.workflow_version == version, model.state.in_(states))
            .order_by(model.id))


def _closed_on(session: Session, kind: str, case_id: int) -> datetime | None:
    return session.scalar(select(func.max(HistoryEntry.at)).where(
        HistoryEntry.case_kind == kind, HistoryEntry.case_id == case_id))


def parse_case_ref(text: str) -> tuple[str, int]:
    kind, _, number = text.partition(":")
    if kind not in ARCHIVED_KINDS or not number.isdigit():
        raise ValueError(text)
    return kind, int(number)


def export_cases(session: Session, to: Path, *, until: date | None = None,
                 case: tuple[str, int] | None = None, now: datetime | None = None) -> ExportResult:
    """Write one SIP per closed case under `to` (those closed on or before `until`, or only `case`)."""
    now = now or datetime.now(timezone.utc)
    if case is not None:
        kind, case_id = case
        loaded = session.get(KINDS[kind].model, case_id)
        if loaded is None:
            raise NotFound(f"Ärendet {kind}:{case_id} finns inte.")
        definition = get_workflows().get(loaded.workflow_name, loaded.workflow_version)
        if loaded.state not in closed_states(definition):
            label = definition.states[loaded.state].label
            raise CaseNotClosed(f"Ärendet {kind}:{case_id} är inte avslutat (status: {label}, {loaded.state}); "
                                "bara avslutade ärenden kan arkiveras.")
        targets: Iterator[tuple[str, int]] = iter([case])
    else:
        targets = ((kind, case_id) for kind in ARCHIVED_KINDS for case_id in _closed_case_ids(session, kind))
    to.mkdir(parents=True, exist_ok=True)
    result = ExportResult([], [])
    for kind, case_id in list(targets):  # ids only: the cases themselves are loaded one at a time
        if until is not None:
            closed = _closed_on(session, kind, case_id)
            if closed is None or local_today(closed) > until:
                continue
        name = package_id(kind, case_id)
        if (to / name).exists():
            result.skipped.append(name)
            continue
        _write_package(session, kind, case_id, to, now)
        session.expunge_all()  # one case at a time: nothing of the previous case stays in memory
        result.written.append(name)
    return result


def _write_package(session: Session, kind: str, case_id: int, to: Path, now: datetime) -> None:
    name = package_id(kind, case_id)
    partial = to / f"{name}.partial"
    if partial.exists():
        shutil.rmtree(partial)
    full = session.get(KINDS[kind].model, case_id)
    full_history = session.scalars(select(HistoryEntry).where(
        HistoryEntry.case_kind == kind, HistoryEntry.case_id == case_id).order_by(HistoryEntry.seq)).all()
    records = session.scalars(select(DocumentRecord).where(
        DocumentRecord.subject_kind == kind, DocumentRecord.subject_id == case_id)
        .order_by(DocumentRecord.kind, DocumentRecord.version)).all()
    # The open part is what a reader without the right to read secrets sees; the rest goes to rep2.
    public = SecrecyLens(session, None, reveals=False)
    case, history = public.view(full), public.history(full, full_history)
    shown = [public.view(record, "document") for record in records]

    attachments = session.scalars(select(Attachment).where(
        Attachment.case_kind == kind, Attachment.case_id == case_id).order_by(Attachment.id)).all()

    # What a reader without read_secret may see goes to rep1; what is marked, to the restricted rep2.
    data_files: list[DataFile] = []
    restricted_files: list[DataFile] = []
    for record, seen in zip(records, shown):
        relative = f"{RESTRICTED_DIR if seen.masked else DATA_DIR}/{_document_filename(record)}"
        _write_data(partial / relative, read_bytes(session, record.stored_file, expected_sha256=record.sha256))
        (restricted_files if seen.masked else data_files).append(
            DataFile(relative, record.sha256, record.size, record.media_type, "PDF/A"))
    hidden = {a.id: public.hides_attachment(a) for a in attachments if public.hides_attachment(a)}
    for attachment in attachments:
        stored = attachment.stored_file
        relative = _attachment_path(attachment, attachment.id in hidden)
        _write_data(partial / relative, read_bytes(session, stored))
        (restricted_files if attachment.id in hidden else data_files).append(
            DataFile(relative, stored.sha256, stored.size, stored.media_type, stored.media_type))

    open_xml = _case_xml(case, kind, history, records, attachments, hidden=hidden, open_part=True)
    full_xml = _case_xml(full, kind, full_history, records, attachments, hidden=hidden)
    secret = ET.tostring(open_xml) != ET.tostring(full_xml) or bool(restricted_files)
    _write_xml(open_xml, partial / CASE_XML)
    if secret:
        _write_xml(full_xml, partial / RESTRICTED_CASE_XML)
        _write_xml(_secrecy_xml(public, kind, full, records, attachments), partial / SECRECY_XML)
        sha256, size = file_digest(partial / RESTRICTED_CASE_XML)
        restricted_files.insert(0, DataFile(RESTRICTED_CASE_XML, sha256, size, "text/xml", "XML"))
    _write_xml(_premis_xml(name, kind, case, history, data_files), partial / PREMIS_XML)
    _write_xml(_mets_xml(name, KINDS[kind].title(case), partial, data_files, now, restricted_files),
               partial / "METS.xml")
    os.replace(partial, to / name)


def _secrecy_xml(public: SecrecyLens, kind: str, case, records, attachments) -> ET.Element:
    """Which parts of the case are marked, on which ground: what the restricted part holds and why it is apart.
    The reasons are left out (they may themselves say what is secret)."""
    root = ET.Element(_n(CASE_NS, "secrecy"))
    subjects = [(kind, case.id)] + [("document", r.id) for r in records]
    subjects += [("progress_report", r.id) for r in getattr(case, "progress_reports", [])]
    subjects += [("recommendation", r.id) for r in getattr(case, "recommendations", [])]
    subjects += [("attachment", a.id) for a in attachments]
    for subject, subject_id in subjects:
        marking = public.marking(subject, subject_id)
        if marking is not None:
            _sub(root, CASE_NS, "marking", marking.label, subject=subject, subjectId=subject_id,
                 ground=marking.ground, notice=marking.notice)
    return root


def _write_data(target: Path, content: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)


def _attachment_filename(attachment: Attachment) -> str:
    """`underlag/<id>-<name>`: the id keeps names unique; the name is reduced to characters every file system
    and archive system takes (the name as uploaded is in case.xml)."""
    name = attachment.stored_file.filename
    stem, dot, extension = name.rpartition(".")
    ascii_stem = re.sub(r"[^A-Za-z0-9]+", "-", unicodedata.normalize("NFKD", stem if dot else name)
                        .encode("ascii", "ignore").decode()).strip("-")[:80] or "underlag"
    extension = re.sub(r"[^a-z0-9]", "", extension.lower()) if dot else "bin"
    return f"underlag/{attachment.id}-{ascii_stem}.{extension or 'bin'}"


def _document_filename(record: DocumentRecord) -> str:
    dnr = re.sub(r"[^A-Za-z0-9]+", "-", record.diarienummer).strip("-")
    extension = mimetypes.guess_extension(record.media_type) or ".bin"
    return f"{dnr}-{record.document_number}-{record.kind}-v{record.version}{extension}"


def _person(user: User | None) -> str:
    return user.display_name if user is not None else "kfflow (systemet)"


# --- descriptive: the case -------------------------------------------------------------------------

def _attachment_path(attachment, hidden: bool) -> str:
    """Where an evidence file lies in the package; a marked one in the restricted part, under a name that says
    nothing (METS, which names it, is part of the open part)."""
    if hidden:
        return f"{RESTRICTED_DIR}/underlag/{attachment.id}.bin"
    return f"{DATA_DIR}/{_attachment_filename(attachment)}"


def _case_xml(case, kind: str, history, records, attachments=(), *, hidden: dict | None = None,
              open_part: bool = False) -> ET.Element:
    """The case as CITS ERMS-like XML; `open_part`: marked evidence files (`hidden`: id → notice) are named by
    the notice."""
    hidden = hidden or {}
    definition = get_workflows().get(case.workflow_name, case.workflow_version)
    root = ET.Element(_n(CASE_NS, "erms"))
    control = _sub(root, CASE_NS, "control")
    _sub(control, CASE_NS, "identification", f"kfflow:{kind}:{case.id}", identificationType="kfflow")
    _sub(control, CASE_NS, "maintenanceInformation", f"kfflow {KFFLOW_VERSION}")
    aggregation = _sub(root, CASE_NS, "aggregation", aggregationType="caseFile", caseKind=kind)
    _sub(aggregation, CASE_NS, "identification", f"{kind}:{case.id}", identificationType="local")
    if getattr(case, "diarienummer", None):
        _sub(aggregation, CASE_NS, "identification", case.diarienummer, identificationType="diarienummer")
    _sub(aggregation, CASE_NS, "title", KINDS[kind].title(case))
    dates = _sub(aggregation, CASE_NS, "dates")
    _sub(dates, CASE_NS, "date", _iso(case.created_at), dateType="created")
    if history:
        _sub(dates, CASE_NS, "date", _iso(history[-1].at), dateType="closed")
    _sub(aggregation, CASE_NS, "status", definition.states[case.state].label, value=case.state)
    agents = _sub(aggregation, CASE_NS, "agents")
    owner = getattr(case, "owner", None)
    if owner is not None:
        _sub(_sub(agents, CASE_NS, "agent", agentType="responsible_person"), CASE_NS, "name", owner.display_name)
    for actor in {entry.actor_id: entry.actor for entry in history if entry.actor is not None}.values():
        _sub(_sub(agents, CASE_NS, "agent", agentType="participant"), CASE_NS, "name", actor.display_name)
    if kind == "measure":
        _measure_details(aggregation, case)
    elif kind == "audit":
        _audit_details(aggregation, case)
    decisions = _sub(aggregation, CASE_NS, "decisions")
    for entry in history:
        if entry.from_state != entry.to_state:  # a transition: a decision or a step taken on the case
            decision = _sub(decisions, CASE_NS, "decision", decisionType=entry.trigger)
            _sub(decision, CASE_NS, "date", _iso(entry.at))
            _sub(decision, CASE_NS, "agent", _person(entry.actor))
            _sub(decision, CASE_NS, "fromStatus", entry.from_state)
            _sub(decision, CASE_NS, "toStatus", entry.to_state)
            for key, value in sorted((entry.fields or {}).items()):
                _sub(decision, CASE_NS, "field", value, name=key)
            if entry.comment:
                _sub(decision, CASE_NS, "note", entry.comment)
    documents = _sub(aggregation, CASE_NS, "records")
    for record in records:
        item = _sub(documents, CASE_NS, "record", recordType=record.kind)
        _sub(item, CASE_NS, "identification", f"{record.diarienummer}:{record.document_number}",
             identificationType="diarienummer")
        _sub(item, CASE_NS, "date", record.document_date.isoformat(), dateType="registered")
        _sub(item, CASE_NS, "version", record.version)
        _sub(item, CASE_NS, "file", f"{DATA_DIR}/{_document_filename(record)}")
    seqs = {entry.id: entry.seq for entry in history}
    for attachment in attachments:
        stored = attachment.stored_file
        item = _sub(documents, CASE_NS, "record", recordType="evidence")
        _sub(item, CASE_NS, "title", hidden[attachment.id] if open_part and attachment.id in hidden else stored.filename)
        _sub(item, CASE_NS, "date", _iso(attachment.uploaded_at), dateType="received")
        _sub(item, CASE_NS, "agent", _person(attachment.uploaded_by))
        _sub(item, CASE_NS, "relation", f"{kind}:{case.id}:{seqs.get(attachment.history_entry_id)}",
             relationType="history_entry")
        _sub(item, CASE_NS, "file", _attachment_path(attachment, attachment.id in hidden))
    return root


def _text_fields(parent: ET.Element, case, names: tuple[str, ...]) -> None:
    for attribute in names:
        value = getattr(case, attribute)
        if value not in (None, "", []):
            _sub(parent, CASE_NS, "field", value.isoformat() if isinstance(value, date) else value, name=attribute)


def _measure_details(aggregation: ET.Element, measure) -> None:
    _text_fields(_sub(aggregation, CASE_NS, "description"), measure, (
        "description", "category", "working_group", "strategic_area", "horizon", "governing_plans", "priority",
        "expected_effect", "indicator", "due_date", "decision_ref", "implementation_note", "evaluation",
        "effect"))
    reports = _sub(aggregation, CASE_NS, "progressReports")
    for report in measure.progress_reports:
        item = _sub(reports, CASE_NS, "progressReport", date=report.reported_on.isoformat())
        _sub(item, CASE_NS, "agent", _person(report.author))
        _text_fields(item, report, ("done", "ongoing", "planned"))


def _audit_details(aggregation: ET.Element, audit) -> None:
    _text_fields(_sub(aggregation, CASE_NS, "description"), audit, (
        "name", "number", "subject", "received", "response_due", "responding_body", "addressee", "summary",
        "body", "meeting_date", "paragraph", "sent_on", "follow_up_note"))
    recommendations = _sub(aggregation, CASE_NS, "recommendations")
    for rec in audit.recommendations:
        item = _sub(recommendations, CASE_NS, "recommendation", number=rec.number, status=rec.state)
        _text_fields(item, rec, ("text", "answer", "no_measure_reason", "decision_ref", "implementation_note",
                                 "evaluation"))
        for measure in rec.measures:
            _sub(item, CASE_NS, "relation", measure.title, relationType="measure",
                 target=package_id("measure", measure.id))


# --- preservation: PREMIS ----------------------------------------------------------------------------

def _premis_xml(name: str, kind: str, case, history, data_files) -> ET.Element:
    root = ET.Element(_n(PREMIS_NS, "premis"), {"version": "3.0"})
    for data in data_files:
        obj = _sub(root, PREMIS_NS, "object", **{_n(XSI_NS, "type"): "premis:file"})
        identifier = _sub(obj, PREMIS_NS, "objectIdentifier")
        _sub(identifier, PREMIS_NS, "objectIdentifierType", "local")
        _sub(identifier, PREMIS_NS, "objectIdentifierValue", data.relative)
        characteristics = _sub(obj, PREMIS_NS, "objectCharacteristics")
        _sub(characteristics, PREMIS_NS, "compositionLevel", 0)
        fixity = _sub(characteristics, PREMIS_NS, "fixity")
        _sub(fixity, PREMIS_NS, "messageDigestAlgorithm", CHECKSUM_TYPE)
        _sub(fixity, PREMIS_NS, "messageDigest", data.sha256)
        _sub(characteristics, PREMIS_NS, "size", data.size)
        designation = _sub(_sub(characteristics, PREMIS_NS, "format"), PREMIS_NS, "formatDesignation")
        _sub(designation, PREMIS_NS, "formatName", data.format_name)
    agents = {}
    for entry in history:
        agent_id = f"user-{entry.actor_id}" if entry.actor_id is not None else "kfflow"
        agents.setdefault(agent_id, entry.actor)
        event = _sub(root, PREMIS_NS, "event")
        identifier = _sub(event, PREMIS_NS, "eventIdentifier")
        _sub(identifier, PREMIS_NS, "eventIdentifierType", "kfflow-history")
        _sub(identifier, PREMIS_NS, "eventIdentifierValue", f"{kind}:{case.id}:{entry.seq}")
        _sub(event, PREMIS_NS, "eventType", entry.trigger)
        _sub(event, PREMIS_NS, "eventDateTime", _iso(entry.at))
        detail = f"{entry.from_state or '–'} → {entry.to_state}" + (f": {entry.comment}" if entry.comment else "")
        _sub(_sub(event, PREMIS_NS, "eventDetailInformation"), PREMIS_NS, "eventDetail", detail)
        outcome = _sub(event, PREMIS_NS, "eventOutcomeInformation")
        _sub(_sub(outcome, PREMIS_NS, "eventOutcomeDetail"), PREMIS_NS, "eventOutcomeDetailNote",
             f"history chain SHA-256 {entry.entry_hash}")
        link = _sub(event, PREMIS_NS, "linkingAgentIdentifier")
        _sub(link, PREMIS_NS, "linkingAgentIdentifierType", "local")
        _sub(link, PREMIS_NS, "linkingAgentIdentifierValue", agent_id)
    for agent_id, user in agents.items():
        agent = _sub(root, PREMIS_NS, "agent")
        identifier = _sub(agent, PREMIS_NS, "agentIdentifier")
        _sub(identifier, PREMIS_NS, "agentIdentifierType", "local")
        _sub(identifier, PREMIS_NS, "agentIdentifierValue", agent_id)
        _sub(agent, PREMIS_NS, "agentName", _person(user))
        _sub(agent, PREMIS_NS, "agentType", "person" if user is not None else "software")
    return root


# --- the root METS -----------------------------------------------------------------------------------

def _checksum_attrs(path: Path, created: str) -> dict[str, str]:
    sha256, size = file_digest(path)
    return {"SIZE": str(size), "CREATED": created, "CHECKSUM": sha256, "CHECKSUMTYPE": CHECKSUM_TYPE}


def _md_ref(parent: ET.Element, package: Path, relative: str, mdtype: str, created: str, **other) -> None:
    _sub(parent, METS_NS, "mdRef", LOCTYPE="URL", MDTYPE=mdtype, MIMETYPE="text/xml",
         **{_n(XLINK_NS, "type"): "simple", _n(XLINK_NS, "href"): relative}, **other,
         **_checksum_attrs(package / relative, created))


def _mets_xml(name: str, label: str, package: Path, data_files, now: datetime, restricted_files=()) -> ET.Element:
    created = _iso(now)
    root = ET.Element(_n(METS_NS, "mets"), {
        "OBJID": name, "LABEL": label, "TYPE": "OTHER", _n(CSIP_NS, "OTHERTYPE"): "Ärende",
        _n(CSIP_NS, "CONTENTINFORMATIONTYPE"): "OTHER",
        _n(CSIP_NS, "OTHERCONTENTINFORMATIONTYPE"): "FGS Ärendehantering", "PROFILE": CSIP_PROFILE})
    header = _sub(root, METS_NS, "metsHdr", CREATEDATE=created, RECORDSTATUS="NEW",
                  **{_n(CSIP_NS, "OAISPACKAGETYPE"): "SIP"})
    agent = _sub(header, METS_NS, "agent", ROLE="CREATOR", TYPE="OTHER", OTHERTYPE="SOFTWARE")
    _sub(agent, METS_NS, "name", "kfflow")
    _sub(agent, METS_NS, "note", KFFLOW_VERSION, **{_n(CSIP_NS, "NOTETYPE"): "SOFTWARE VERSION"})

    dmd = _sub(root, METS_NS, "dmdSec", ID="dmd-case", CREATED=created, STATUS="CURRENT")
    _md_ref(dmd, package, CASE_XML, "OTHER", created, OTHERMDTYPE="CITS-ERMS-like")
    amd = _sub(root, METS_NS, "amdSec", ID="amd")
    digiprov = _sub(amd, METS_NS, "digiprovMD", ID="digiprov-premis", STATUS="CURRENT")
    _md_ref(digiprov, package, PREMIS_XML, "PREMIS", created)
    if restricted_files:  # access rights: the restricted representation is covered by secrecy (OSL)
        rights = _sub(amd, METS_NS, "rightsMD", ID="rights-secrecy", STATUS="CURRENT")
        _md_ref(rights, package, SECRECY_XML, "OTHER", created, OTHERMDTYPE="kfflow-secrecy")

    file_sec = _sub(root, METS_NS, "fileSec", ID="filesec")
    group = _sub(file_sec, METS_NS, "fileGrp", ID="filegrp-rep1", USE="Representations/rep1/Data")
    file_ids = []
    for index, data in enumerate(data_files, start=1):
        file_id = f"file-{index}"
        file_ids.append(file_id)
        entry = _sub(group, METS_NS, "file", ID=file_id, MIMETYPE=data.media_type,
                     **_checksum_attrs(package / data.relative, created))
        _sub(entry, METS_NS, "FLocat", LOCTYPE="URL",
             **{_n(XLINK_NS, "type"): "simple", _n(XLINK_NS, "href"): data.relative})

    restricted_ids = []
    if restricted_files:
        group = _sub(file_sec, METS_NS, "fileGrp", ID="filegrp-rep2", USE="Representations/rep2-sekretess/Data",
                     ADMID="rights-secrecy")
        for index, data in enumerate(restricted_files, start=1):
            file_id = f"file-sekretess-{index}"
            restricted_ids.append(file_id)
            entry = _sub(group, METS_NS, "file", ID=file_id, MIMETYPE=data.media_type, ADMID="rights-secrecy",
                         **_checksum_attrs(package / data.relative, created))
            _sub(entry, METS_NS, "FLocat", LOCTYPE="URL",
                 **{_n(XLINK_NS, "type"): "simple", _n(XLINK_NS, "href"): data.relative})

    struct = _sub(root, METS_NS, "structMap", ID="structmap-csip", TYPE="PHYSICAL", LABEL="CSIP")
    top = _sub(struct, METS_NS, "div", ID="div-root", LABEL=name)
    _sub(top, METS_NS, "div", ID="div-metadata", LABEL="Metadata", DMDID="dmd-case",
         ADMID="digiprov-premis rights-secrecy" if restricted_files else "digiprov-premis")
    rep = _sub(top, METS_NS, "div", ID="div-rep1", LABEL="Representations/rep1")
    for file_id in file_ids:
        _sub(rep, METS_NS, "fptr", FILEID=file_id)
    if restricted_ids:
        rep = _sub(top, METS_NS, "div", ID="div-rep2", LABEL="Representations/rep2-sekretess", ADMID="rights-secrecy")
        for file_id in restricted_ids:
            _sub(rep, METS_NS, "fptr", FILEID=file_id)
    return root


# --- verification -------------------------------------------------------------------------------------

@dataclass
class VerifyReport:
    packages: int
    files: int
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def _packages_in(directory: Path) -> list[Path]:
    if (directory / "METS.xml").exists():
        return [directory]
    return sorted(p for p in directory.iterdir() if p.is_dir() and not p.name.endswith(".partial"))


def verify_packages(directory: Path) -> VerifyReport:
    """Check every package under `directory`: structure, and every referenced file's size and SHA-256.

    Stops at the first problem and names it; a file on disk that the METS does not list is a problem too."""
    report = VerifyReport(0, 0)
    if not directory.is_dir():
        report.problem = f"{directory}: katalogen finns inte"
        return report
    for package in _packages_in(directory):
        report.packages += 1
        problem = _verify_package(package, report)
        if problem:
            report.problem = problem
            return report
    return report


def _verify_package(package: Path, report: VerifyReport) -> str | None:
    mets_path = package / "METS.xml"
    if not mets_path.is_file():
        return f"{package.name}: METS.xml saknas"
    try:
        root = ET.parse(mets_path).getroot()
    except ET.ParseError as exc:
        return f"{package.name}/METS.xml: inte välformad XML ({exc})"
    if root.tag != _n(METS_NS, "mets") or root.get("OBJID") != package.name:
        return f"{package.name}/METS.xml: rotelementet är inte mets med OBJID {package.name}"
    for required in ("metsHdr", "fileSec", "structMap"):
        if root.find(_n(METS_NS, required)) is None:
            return f"{package.name}/METS.xml: {required} saknas"
    referenced = set()
    for element, href in _references(root):
        relative = href
        referenced.add(relative)
        path = package / relative
        if not path.resolve().is_relative_to(package.resolve()):
            return f"{package.name}/METS.xml: {relative} pekar utanför paketet"
        where = f"{package.name}/{relative}"
        if not path.is_file():
            return f"{where}: filen saknas"
        if element.get("CHECKSUMTYPE") != CHECKSUM_TYPE or not element.get("CHECKSUM"):
            return f"{where}: kontrollsumma ({CHECKSUM_TYPE}) saknas i METS.xml"
        sha256, size = file_digest(path)
        if str(size) != element.get("SIZE"):
            return f"{where}: storleken är {size} byte, METS.xml anger {element.get('SIZE')}"
        if sha256 != element.get("CHECKSUM").lower():
            return f"{where}: kontrollsumman stämmer inte (SHA-256 {sha256}, METS.xml anger {element.get('CHECKSUM')})"
        report.files += 1
    for required in (CASE_XML, PREMIS_XML):
        if required not in referenced:
            return f"{package.name}: {required} saknas i METS.xml"
    for path in sorted(package.rglob("*")):
        relative = path.relative_to(package).as_posix()
        if path.is_file() and relative != "METS.xml" and relative not in referenced:
            return f"{package.name}/{relative}: filen finns inte med i METS.xml"
    return None


def _references(root: ET.Element) -> Iterator[tuple[ET.Element, str]]:
    """(element carrying the checksum, relative path) for every metadata and content file METS lists."""
    for md_ref in root.iter(_n(METS_NS, "mdRef")):
        yield md_ref, md_ref.get(_n(XLINK_NS, "href"), "")
    for entry in root.iter(_n(METS_NS, "file")):
        for location in entry.findall(_n(METS_NS, "FLocat")):
            yield entry, location.get(_n(XLINK_NS, "href"), "")
