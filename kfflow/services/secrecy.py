"""Secrecy marking (OSL): a registrar marks a case, a progress report or a registered document as covered by
secrecy on a ground from `secrecy_grounds` (workflows/vocabularies.yaml); the people roles.yaml's `read_secret`
names read it, everyone else reads "Uppgift omfattas av sekretess (OSL 39:3)" in its place.

Writing: `mark` and `unmark` (the `mark_secrecy` action); each is a history entry of the case the subject belongs
to. Reading: every output asks a `SecrecyLens` for one viewer (`lens(session, actor)`): `lens.view(case)` wraps a
case, a progress report or a document so that what is secret reads as the notice, `lens.title(kind, id, title)`
masks a title from a row, `lens.hidden_ids(kind)` serves SQL filters. See docs/records.md for what this promises.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from kfflow.db import utcnow, write_transaction
from kfflow.errors import NotFound, PermissionDenied, ValidationError
from kfflow.kinds import KINDS
from kfflow.models import Attachment, DocumentRecord, ProgressReport, Recommendation, SecrecyMarking
from kfflow.services._common import _storable_id, add_history, load_actor, load_case
from kfflow.services.access import may, require
from kfflow.workflow import get_workflows
from kfflow.workflow.definition import FieldDef, Option
from kfflow.workflow.fields import check_text

NOTICE = "Uppgift omfattas av sekretess ({ground})"
VOCABULARY = "secrecy_grounds"
MAX_REASON = 2000

# What can be marked: its label, and the attributes that are secret when it is (everything people wrote in it;
# states, dates, vocabulary choices and people stay visible, as in a public register).
SUBJECTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "measure": ("åtgärden", ("title", "description", "governing_plans", "expected_effect", "indicator",
                             "decision_ref", "implementation_note", "evaluation", "status_note")),
    "recommendation": ("rekommendationen", ("text", "answer", "decision_ref", "implementation_note", "evaluation",
                                            "no_measure_reason")),
    "audit": ("granskningen", ("name", "subject", "summary", "follow_up_note", "signatories")),
    "progress_report": ("lägesrapporten", ("done", "ongoing", "planned")),
    "document": ("handlingen", ()),
    "attachment": ("underlaget", ("filename",)),
}
CASE_SUBJECTS = tuple(KINDS)

# What marking, changing and lifting write in the case's history (labelled under `history:` in each lifecycle).
SECRECY_EVENTS = ("mark_secrecy", "change_secrecy", "unmark_secrecy")

# The fields the history of a marking records (for the timeline's labels).
EVENT_FIELDS = (FieldDef("subject", "choice", "Gäller", options=tuple(
                    Option(kind, label) for kind, (label, _names) in SUBJECTS.items())),
                FieldDef("subject_id", "number", "Nr"), FieldDef("ground", "text", "Sekretessgrund"),
                FieldDef("reason", "text", "Motivering", max_length=MAX_REASON))


def notice(ground: str) -> str:
    return NOTICE.format(ground=ground)


def ground_label(ground: str) -> str:
    return next((o.label for o in get_workflows().vocabulary(VOCABULARY) if o.value == ground), ground)


def may_read_secrets(actor) -> bool:
    return may(actor, "read_secret")


# --- marking ---------------------------------------------------------------------------------------------------

def _subject_case(session: Session, subject_kind: str, subject_id) -> tuple[object, object]:
    """(the subject, the case whose history records its marking); NotFound for an unknown one."""
    if subject_kind not in SUBJECTS:
        raise NotFound(f"Det går inte att sekretessmarkera {subject_kind!r}.")
    if subject_kind in KINDS:
        case = load_case(session, subject_kind, subject_id)
        return case, case
    model = {"progress_report": ProgressReport, "document": DocumentRecord, "attachment": Attachment}[subject_kind]
    subject = session.get(model, subject_id) if _storable_id(subject_id) else None
    if subject is None:
        raise NotFound(f"{SUBJECTS[subject_kind][0].capitalize()} finns inte.")
    if subject_kind == "progress_report":
        return subject, load_case(session, "measure", subject.measure_id)
    if subject_kind == "attachment":
        return subject, load_case(session, subject.case_kind, subject.case_id)
    return subject, load_case(session, subject.subject_kind, subject.subject_id)


def _parse(ground, reason, *, need_ground: bool) -> tuple[str | None, str]:
    errors = {}
    grounds = {o.value for o in get_workflows().vocabulary(VOCABULARY)}
    if need_ground and ground not in grounds:
        errors["ground"] = "Välj en sekretessgrund ur listan."
    try:
        reason = check_text(reason if reason is not None else "", multiline=True, max_length=MAX_REASON)
        if not reason:
            errors["reason"] = "Ange en motivering."
    except ValueError as exc:
        errors["reason"] = f"Motivering: {exc}"
    if errors:
        raise ValidationError("Sekretessmarkeringen kunde inte sparas.", errors)
    return ground, reason


def _current(session: Session, subject_kind: str, subject_id: int) -> SecrecyMarking | None:
    return session.scalars(select(SecrecyMarking).where(SecrecyMarking.subject_kind == subject_kind,
                                                        SecrecyMarking.subject_id == subject_id)).first()


def _checked(session: Session, actor, subject_kind: str, subject_id: int, ground, reason, *, lifting: bool):
    """(actor, the subject's case, its current marking, ground, reason) once the actor may mark and the input
    is good; inside the caller's transaction."""
    actor = load_actor(session, actor)
    require(actor, "mark_secrecy", denied="Din roll får inte ändra sekretessmarkeringar.")
    ground, reason = _parse(ground, reason, need_ground=not lifting)
    _subject, case = _subject_case(session, subject_kind, subject_id)
    return actor, case, _current(session, subject_kind, subject_id), ground, reason


def _record(session: Session, actor, case, trigger: str, now: datetime, subject_kind: str, subject_id: int,
            ground: str, reason: str) -> None:
    add_history(session, case=case, trigger=trigger, from_state=case.state, actor=actor, at=now,
                fields={"subject": subject_kind, "subject_id": subject_id, "ground": ground, "reason": reason})


def mark(session: Session, actor, subject_kind: str, subject_id: int, *, ground, reason,
         now: datetime | None = None) -> SecrecyMarking:
    """Mark (or re-mark on another ground) a subject as covered by secrecy; one history entry on its case."""
    now = now or utcnow()
    with write_transaction(session):
        actor, case, marking, ground, reason = _checked(session, actor, subject_kind, subject_id, ground, reason,
                                                        lifting=False)
        trigger = "change_secrecy" if marking else "mark_secrecy"
        if marking is None:
            marking = SecrecyMarking(subject_kind=subject_kind, subject_id=subject_id, case_kind=case.case_kind,
                                     case_id=case.id)
            session.add(marking)
        marking.ground, marking.reason, marking.marked_by_id, marking.marked_at = ground, reason, actor.id, now
        _record(session, actor, case, trigger, now, subject_kind, subject_id, ground, reason)
    return marking


def unmark(session: Session, actor, subject_kind: str, subject_id: int, *, reason,
           now: datetime | None = None) -> None:
    """Lift a marking; the history entry keeps which ground was lifted and why."""
    now = now or utcnow()
    with write_transaction(session):
        actor, case, marking, _ground, reason = _checked(session, actor, subject_kind, subject_id, None, reason,
                                                         lifting=True)
        if marking is None:
            raise ValidationError("Uppgiften är inte sekretessmarkerad.",
                                  {"subject": "Det finns ingen markering att ta bort."})
        ground = marking.ground
        session.delete(marking)
        _record(session, actor, case, "unmark_secrecy", now, subject_kind, subject_id, ground, reason)


def _fields() -> tuple[FieldDef, ...]:
    return (FieldDef("ground", "choice", "Sekretessgrund", options=get_workflows().vocabulary(VOCABULARY)),
            FieldDef("reason", "text", "Motivering", max_length=MAX_REASON))


LIFT_FIELD = FieldDef("reason", "text", "Varför tas markeringen bort?", max_length=MAX_REASON)


@dataclass(frozen=True)
class MarkingPage:
    subject_label: str
    case_title: str
    case_url: str
    marking: "Marking | None"
    fields: tuple[FieldDef, ...]
    lift_field: FieldDef


def marking_page(session: Session, actor, subject_kind: str, subject_id: int) -> MarkingPage:
    """What the marking form shows: the subject, its case, and the current marking with its reason."""
    actor = load_actor(session, actor)
    require(actor, "mark_secrecy", denied="Din roll får inte sekretessmarkera uppgifter.")
    _subject, case = _subject_case(session, subject_kind, subject_id)
    kind = KINDS[case.case_kind]
    return MarkingPage(SUBJECTS[subject_kind][0], kind.title(case), kind.web_url(case.id),
                       lens(session, actor).marking(subject_kind, subject_id), _fields(), LIFT_FIELD)


def subject_ref(session: Session, subject_kind: str, subject_id: int) -> dict:
    """The case a subject belongs to: {"case_kind", "case_id"}."""
    _subject, case = _subject_case(session, subject_kind, subject_id)
    return {"case_kind": case.case_kind, "case_id": case.id}


def case_url(session: Session, subject_kind: str, subject_id: int) -> str:
    """The page of the case the subject belongs to."""
    _subject, case = _subject_case(session, subject_kind, subject_id)
    return KINDS[case.case_kind].web_url(case.id)


# --- reading ---------------------------------------------------------------------------------------------------

def require_attachment_readable(session: Session, actor, attachment) -> None:
    """A marked evidence file (or one in a marked report or case) is handed only to who may read it."""
    hidden = SecrecyLens(session, actor).hides_attachment(attachment)
    if hidden:
        raise PermissionDenied(f"{hidden}. Underlaget lämnas bara ut till den som får läsa det.")


def require_document_readable(session: Session, actor, record) -> None:
    """A registered document that is marked (or belongs to a marked case) is handed only to who may read it."""
    seen = SecrecyLens(session, actor).view(record, "document")
    if seen.masked:
        raise PermissionDenied(f"{seen.secrecy.notice}. Handlingen lämnas bara ut till den som får läsa den.")


def require_readable(session: Session, actor, case) -> None:
    """Who may not read a marked case may not change what it says either (they would write over the notice)."""
    hidden = SecrecyLens(session, actor).hides(case.case_kind, case.id)
    if hidden:
        raise PermissionDenied(f"{hidden}. Bara den som får läsa uppgifterna kan ändra dem.")


@dataclass(frozen=True)
class Marking:
    """What a page or the API says of a marked subject: the ground always, the reason to those who may read."""
    ground: str
    label: str
    notice: str
    reason: str | None
    masked: bool


class Masked:
    """A case, progress report or document as one viewer may see it: secret attributes read as the notice.

    Templates, documents and the API's schemas read attributes, so handing them this instead of the row masks
    every one of them. Related progress reports and recommendations are wrapped the same way."""

    def __init__(self, target, lens: "SecrecyLens", kind: str):
        self._target, self._lens, self._kind = target, lens, kind
        self.secrecy = lens.marking(kind, target.id)
        self._hidden = set(SUBJECTS[kind][1]) if self.secrecy and self.secrecy.masked else set()

    @property
    def masked(self) -> bool:
        return bool(self._hidden) or (self.secrecy is not None and self.secrecy.masked)

    def __getattr__(self, name: str):
        if name in self._hidden:
            value = getattr(self._target, name)
            return [] if isinstance(value, list) else self.secrecy.notice
        value = getattr(self._target, name)
        if name == "progress_reports":
            return [self._lens.view(r, "progress_report", within=self.secrecy) for r in value]
        if name in ("measures", "measure"):  # a recommendation's linked measures; a link's measure
            return self._lens.view(value, "measure") if value is not None else None
        if name == "recommendations":
            return [self._lens.view(r, "recommendation") for r in value]
        if name == "audit" and value is not None and self._kind == "recommendation":
            return self._lens.view(value, "audit")
        return value

    def __eq__(self, other):
        return self._target == (other._target if isinstance(other, Masked) else other)

    def __hash__(self):
        return hash(self._target)


class SecrecyLens:
    """The markings as one viewer meets them. All markings are read once (they are few: tens, not thousands)."""

    def __init__(self, session: Session, actor, *, reveals: bool | None = None):
        self.session = session
        self.reveals = may_read_secrets(actor) if reveals is None else reveals
        self._rows: dict[str, dict[int, SecrecyMarking]] | None = None

    def _load(self) -> dict[str, dict[int, SecrecyMarking]]:
        if self._rows is None:
            rows: dict[str, dict[int, SecrecyMarking]] = {kind: {} for kind in SUBJECTS}
            for m in self.session.scalars(select(SecrecyMarking)):
                rows[m.subject_kind][m.subject_id] = m
            if rows["audit"]:  # a marked audit covers its recommendations (their titles name the audit)
                for rec_id, audit_id in self.session.execute(
                        select(Recommendation.id, Recommendation.audit_id)
                        .where(Recommendation.audit_id.in_(list(rows["audit"])))):
                    rows["recommendation"].setdefault(rec_id, rows["audit"][audit_id])
            self._rows = rows
        return self._rows

    def preload(self) -> "SecrecyLens":
        """Read the markings now (before the caller ends its read transaction)."""
        self._load()
        return self

    def marking(self, kind: str, subject_id: int) -> Marking | None:
        m = self._load().get(kind, {}).get(subject_id)
        if m is None:
            return None
        return Marking(m.ground, ground_label(m.ground), notice(m.ground), m.reason if self.reveals else None,
                       masked=not self.reveals)

    def hides_attachment(self, attachment) -> str | None:
        """The notice when this reader may not have an evidence file: marked itself, or in a marked progress report
        or case."""
        seen = self.view(attachment, "attachment")
        return seen.secrecy.notice if seen.masked else None

    def hides(self, kind: str, subject_id: int) -> str | None:
        """The notice to show instead of the subject, or None when this viewer may read it."""
        if self.reveals:
            return None
        m = self._load().get(kind, {}).get(subject_id)
        return notice(m.ground) if m else None

    def title(self, kind: str, subject_id: int, title: str) -> str:
        return self.hides(kind, subject_id) or title

    def hidden_ids(self, kind: str) -> list[int]:
        """The ids of `kind` this viewer may not read (for filters that must not match their text)."""
        return [] if self.reveals else list(self._load().get(kind, {}))

    def view(self, obj, kind: str | None = None, *, within: Marking | None = None, case: tuple | None = None):
        """`obj` as this viewer may see it (a `Masked` wrapper; a list of them for a list)."""
        if obj is None or isinstance(obj, Masked):
            return obj
        if isinstance(obj, list):
            return [self.view(o, kind, within=within, case=case) for o in obj]
        kind = kind or getattr(obj, "case_kind", None) or _kind_of(obj)
        if kind == "document" and within is None:  # a document of a marked case is as secret as the case
            within = self.marking(obj.subject_kind, obj.subject_id)
        if kind == "attachment" and within is None:  # evidence of a marked report or case is as secret
            case = case or (obj.case_kind, obj.case_id)  # a listing (AttachmentInfo) is given its case
            within = ((self.marking("progress_report", obj.progress_report_id) if obj.progress_report_id else None)
                      or self.marking(*case))
        wrapped = Masked(obj, self, kind)
        if within is not None and within.masked and wrapped.secrecy is None:
            # A progress report of a marked measure is as secret as the measure.
            wrapped.secrecy, wrapped._hidden = within, set(SUBJECTS[kind][1])
        return wrapped


    # -- what is written about a case: its history and comments -------------------------------------------

    def history(self, case, entries: list) -> list:
        """The case's history as this viewer may read it: what a marked case's entries record (and a marked
        progress report's) reads as the notice; the entries, their order, who and when stay."""
        if self.reveals:
            return entries
        case_notice = self.hides(case.case_kind, case.id)
        report_notices = self._report_notices(case) if case.case_kind == "measure" and not case_notice else {}
        evidence_notices = self._evidence_notices(case) if not case_notice else {}
        seen = []
        for e in entries:
            if e.trigger in SECRECY_EVENTS:  # the ground shows; why, only to those who may read the subject
                fields = {**(e.fields or {}), "reason": notice(e.fields.get("ground", ""))}
                seen.append(MaskedEntry(e, fields, e.comment))
                continue
            hidden = case_notice or (report_notices.get(_instant(e.at)) if e.trigger == "report_progress" else None)
            if hidden:
                seen.append(MaskedEntry(e, {k: hidden for k in (e.fields or {})}, hidden if e.comment else None))
            elif e.id in evidence_notices:  # the entry names a marked evidence file
                seen.append(MaskedEntry(e, {**e.fields, "evidence": evidence_notices[e.id]}, e.comment))
            else:
                seen.append(e)
        return seen

    def _evidence_notices(self, case) -> dict[int, str]:
        """history entry id → notice, for the entries that name an evidence file this reader may not have."""
        rows = self._load()
        if not rows["attachment"] and not rows["progress_report"]:
            return {}
        found = {}
        for attachment_id, entry_id, report_id in self.session.execute(
                select(Attachment.id, Attachment.history_entry_id, Attachment.progress_report_id)
                .where(Attachment.case_kind == case.case_kind, Attachment.case_id == case.id)):
            marking = rows["attachment"].get(attachment_id) or rows["progress_report"].get(report_id)
            if marking is not None:
                found[entry_id] = notice(marking.ground)
        return found

    def _report_notices(self, case) -> dict:
        marked = self._load()["progress_report"]
        if not marked:
            return {}
        return {_instant(at): notice(marked[report_id].ground) for report_id, at in self.session.execute(
            select(ProgressReport.id, ProgressReport.created_at)
            .where(ProgressReport.measure_id == case.id, ProgressReport.id.in_(list(marked))))}

    def comments(self, case, comments: list) -> list:
        """Comments on a marked case are part of it: their text reads as the notice."""
        hidden = self.hides(case.case_kind, case.id)
        return [Replaced(c, body=hidden) for c in comments] if hidden else comments

    def notifications(self, notes: list) -> list:
        """A reminder about a marked case names it: its message reads as the notice."""
        seen = []
        for note in notes:
            hidden = self.hides(note.case_kind, note.case_id) if note.case_kind else None
            seen.append(Replaced(note, message=f"Påminnelse om ett ärende. {hidden}.") if hidden else note)
        return seen

    def mail_texts(self, case_kind: str, case_id: int, title: str, *texts: str) -> tuple[str, ...]:
        """A reminder's title and texts (which name the case by that title) as this recipient may read them."""
        hidden = self.hides(case_kind, case_id)
        if not hidden:
            return (title, *texts)
        return (hidden, *(t.replace(title, hidden) if title else t for t in texts))


class MaskedEntry:
    """A history entry with its recorded values replaced (the row itself is never touched: it is hashed)."""

    def __init__(self, entry, fields: dict, comment: str | None):
        self._entry, self.fields, self.comment = entry, fields, comment

    def __getattr__(self, name: str):
        return getattr(self._entry, name)


class Replaced:
    """A row seen with some attributes replaced (a comment's body, a notification's message)."""

    def __init__(self, row, **replaced):
        self._row = row
        self.__dict__.update(replaced)

    def __getattr__(self, name: str):
        return getattr(self._row, name)


def _instant(at: datetime) -> str:
    """A time as both databases give it back (naive UTC on one, aware on the other), for comparing."""
    return at.replace(tzinfo=None).isoformat() if at.tzinfo is None else at.astimezone(timezone.utc).replace(
        tzinfo=None).isoformat()


def _kind_of(obj) -> str:
    from kfflow.services.evidence import AttachmentInfo

    for kind, model in (("progress_report", ProgressReport), ("document", DocumentRecord),
                        ("attachment", (Attachment, AttachmentInfo))):
        if isinstance(obj, model):
            return kind
    raise TypeError(f"{type(obj).__name__} cannot be marked")


def lens(session: Session, actor) -> SecrecyLens:
    return SecrecyLens(session, actor)
