"""Import measures from a spreadsheet: every row validated first, then all written in one transaction.

- All or nothing: any error in any row (or in the database) and nothing is written.
- Idempotent: a row matches an existing measure by its ID, else by normalised title and category; a
  matched row is left as it is, or with `update=True` its changed attributes are edited through the
  same service step as the edit form, one history entry per measure.
- New measures enter the lifecycle through `propose_measures_in_transaction` with a history entry naming
  the file and its SHA-256. A row whose status names a later state (Beslutad, with an owner and a due
  date) then gets the lifecycle's `by_import` transition to that state (`record_earlier_decision` in
  measure.yaml), fired through the engine: the decision was taken before kfflow, so the
  `due_date_not_past` guard of a new decision is not part of it, and the history says so.
- `actor` None is the operator at the command line (they hold the database already); history then has
  no actor. Through the web the user needs the `import` action of measure.yaml.
- The web upload is kept in the database between preview and confirm (`stage_upload`, `preview_upload`,
  `confirm_upload`), so any node can confirm it; the confirmed upload is deleted in the import's transaction.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePath
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from kfflow.db import utcnow, write_transaction
from kfflow.errors import KfflowError
from kfflow.importing.mapping import match_headings, normalise
from kfflow.importing.plan import Lookups, RowError, RowPlan, Validator, report_errors
from kfflow.importing.readers import ImportFileError, read_table
from kfflow.importing.uploads import KEEP, MEDIA_TYPES, read_upload, upload_suffix
from kfflow.models import Body, Measure, StoredFile, User
from kfflow.services._common import load_actor
from kfflow.services.access import require
from kfflow.services.cases import fire_imported_in_transaction
from kfflow.services.measures import NewMeasure, change_measure_in_transaction, propose_measures_in_transaction
from kfflow.storage import delete_expired, delete_stored, read_bytes, store_bytes
from kfflow.workflow import get_workflows

PREVIEW_LISTED = 200  # rows a preview or result lists per part (pages and API); the counts are always complete
BATCH = 2500  # rows per bulk insert: bounds memory, paces the progress bar


class ImportRejected(KfflowError):
    """The file has errors; nothing was written. `lines` is the Swedish report, one error a line."""
    code = "import_rejected"

    def __init__(self, message: str, lines: list[str]):
        super().__init__(message)
        self.lines = lines


@dataclass
class Matched:
    plan: RowPlan
    measure: Measure
    changes: dict  # field → (old, new) of attributes the file changes
    notes: list[str] = field(default_factory=list)  # differences an import does not apply


@dataclass
class ImportResult:
    file_name: str
    sha256: str
    created: list[RowPlan] = field(default_factory=list)
    updated: list[Matched] = field(default_factory=list)
    unchanged: list[Matched] = field(default_factory=list)
    differing: list[Matched] = field(default_factory=list)  # would change with update=True
    notes: list[str] = field(default_factory=list)
    dry_run: bool = False
    update: bool = False
    created_ids: list[int] = field(default_factory=list)


def require_importer(actor) -> None:
    """`import` in measure.yaml (the web upload page asks before storing a file)."""
    require(actor, "import", kind="measure", denied="Din roll får inte läsa in åtgärder från fil.")


def file_sha256(source: Path | bytes) -> str:
    if isinstance(source, bytes):
        return hashlib.sha256(source).hexdigest()
    digest = hashlib.sha256()
    with open(source, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _lookups(session: Session) -> Lookups:
    users, names = {}, {}
    for user_id, username, display_name in session.execute(
            select(User.id, User.username, User.display_name).where(User.active.is_(True))):
        users[normalise(username)] = user_id
        names.setdefault(normalise(display_name), []).append(user_id)
    bodies = {normalise(name): body_id for body_id, name in session.execute(select(Body.id, Body.name))}
    return Lookups(users=users, user_names=names, bodies=bodies,
                   measure_ids=set(session.scalars(select(Measure.id))))


def _validate(session: Session, source: Path | bytes, name: str,
              progress) -> tuple[list[RowPlan], list[str], Validator]:
    table = read_table(source, display_name=name)
    try:
        return _validate_table(session, table, name, progress)
    finally:
        table.close()


def _validate_table(session: Session, table, name: str, progress) -> tuple[list[RowPlan], list[str], Validator]:
    fields, unknown, heading_errors = match_headings(table.headings)
    notes = list(table.notes)
    if unknown:
        notes.append("Kolumner som inte läses in: " + ", ".join(f"”{h}”" for h in unknown) + ".")
    if heading_errors:
        raise ImportRejected(f"Filen {name} kan inte läsas in; inget har sparats.",
                             [str(RowError(1, None, e)) for e in heading_errors])
    validator = Validator(session, table, fields, _lookups(session))
    plans = []
    for number, cells in table.rows:
        plan = validator.row(number, cells)
        if plan is not None:
            plans.append(plan)
        if progress:
            progress("Kontrollerade", 1)
    validator.problems_of_reader()
    _raise_errors(validator, name)
    if not plans:
        raise ImportRejected(f"Filen {name} har rubriker men inga rader; inget har sparats.", [])
    return plans, notes, validator


def _raise_errors(validator: Validator, name: str) -> None:
    if validator.errors:
        count = len(validator.errors)
        raise ImportRejected(f"Filen {name} har {count} fel; inget har sparats.", report_errors(validator.errors))


def _match(session: Session, plans: list[RowPlan], user_names: dict[int, str]) -> tuple[list[RowPlan], list[Matched]]:
    by_id, by_key = {}, {}
    for measure in session.scalars(select(Measure).order_by(Measure.id)):
        by_id[measure.id] = measure
        by_key.setdefault((normalise(measure.title), measure.category), measure)
    new, matched = [], []
    for plan in plans:
        measure = by_id.get(plan.measure_id) if plan.measure_id else by_key.get(plan.key)
        if measure is None:
            new.append(plan)
            continue
        changes = {k: (getattr(measure, k), v) for k, v in plan.values.items() if getattr(measure, k) != v}
        notes = []
        if plan.owner_id is not None and plan.owner_id != measure.owner_id:
            notes.append(f"ansvarig {user_names.get(plan.owner_id)} ändras inte av en import; byt ansvarig i "
                         "ärendet eller med kfflow handover")
        if plan.due_date is not None and plan.due_date != measure.due_date:
            notes.append(f"slutdatum {plan.due_date.isoformat()} ändras inte av en import; ändra det i ärendet")
        if plan.state_given and plan.state != measure.state:
            notes.append("läget ändras inte av en import; för ärendet vidare i dess livscykel")
        matched.append(Matched(plan, measure, changes, notes))
    return new, matched


def import_measures(session: Session, actor, source: Path | str | bytes, *, display_name: str | None = None,
                    update: bool = False, dry_run: bool = False, now: datetime | None = None,
                    expected_sha256: str | None = None,
                    progress: Callable[[str, int], None] | None = None) -> ImportResult:
    """Validate the whole file (a path, or its bytes), then create, update or leave each row's measure in
    one transaction.

    `expected_sha256`: the hash shown with a preview (a dry run); the import is refused if the file is
    not the one previewed.
    """
    if not isinstance(source, bytes):
        source = Path(source)
    name = display_name or source.name
    with write_transaction(session):
        return _import(session, actor, source, name, update=update, dry_run=dry_run, now=now or utcnow(),
                       expected_sha256=expected_sha256, progress=progress)


def _import(session: Session, actor, source: Path | bytes, name: str, *, update: bool, dry_run: bool,
            now: datetime, expected_sha256: str | None, progress) -> ImportResult:
    """The import inside the caller's write transaction."""
    result = ImportResult(file_name=name, sha256=file_sha256(source), dry_run=dry_run, update=update)
    if expected_sha256 is not None and expected_sha256 != result.sha256:
        raise ImportRejected(f"Filen {name} är inte den som förhandsgranskades; inget har sparats.",
                             ["Ladda upp filen igen och granska förhandsvisningen innan du bekräftar."])
    comment = f"Importerad från fil {name} (sha256 {result.sha256})"
    if actor is not None:
        actor = load_actor(session, actor)
        require_importer(actor)
    plans, result.notes, validator = _validate(session, source, name, progress)
    user_names = dict(session.execute(select(User.id, User.username)).all())
    new, matched = _match(session, plans, user_names)
    for plan in new:
        validator.check_new(plan)
    _raise_errors(validator, name)
    result.created = new
    for m in matched:
        result.notes.extend(f"rad {m.plan.row}: {n}" for n in m.notes)
        if not m.changes:
            result.unchanged.append(m)
        else:
            (result.updated if update else result.differing).append(m)
    if dry_run:
        return result
    for m in result.updated:
        change_measure_in_transaction(session, actor, m.measure, {k: new for k, (_, new) in m.changes.items()},
                                      now=now, comment=comment.replace("Importerad", "Uppdaterad"))
    for start in range(0, len(new), BATCH):
        chunk = new[start:start + BATCH]
        values = [{**p.values, "owner_id": p.owner_id, "due_date": p.due_date} for p in chunk]
        ids = propose_measures_in_transaction(session, actor, values, now=now, comments=[comment] * len(chunk))
        _record_earlier_states(session, actor, ids, chunk, now, comment)
        result.created_ids.extend(ids)
        if progress:
            progress("Sparade", len(chunk))
    return result


# --- the web upload: stored in the database between preview and confirm ------------------------

NO_PREVIEW = "Det finns ingen förhandsgranskad fil att läsa in. Ladda upp filen igen."


def stage_upload(session: Session, actor, stream: BinaryIO, filename: str, *, replaces: int | None = None,
                 now: datetime | None = None) -> StoredFile:
    """Keep an uploaded file until its preview is confirmed (a day at most), where every node sees it.

    `replaces`: the same user's previous upload, which a new one makes obsolete. Expired uploads go too.
    """
    now = now or utcnow()
    suffix = upload_suffix(filename)
    content = read_upload(stream)
    with write_transaction(session):
        actor = load_actor(session, actor)
        require_importer(actor)
        delete_expired(session, now=now)
        if replaces is not None:
            previous = session.get(StoredFile, replaces)
            if previous is not None and _is_pending_upload(previous, actor, now):
                delete_stored(session, previous)
        return store_bytes(session, content, filename=filename, media_type=MEDIA_TYPES[suffix],
                           purpose=StoredFile.PURPOSE_IMPORT_UPLOAD, created_by=actor, now=now,
                           expires_at=now + KEEP)


def _is_pending_upload(stored: StoredFile, actor, now: datetime) -> bool:
    return (stored.purpose == StoredFile.PURPOSE_IMPORT_UPLOAD and stored.created_by_id == actor.id
            and stored.expires_at is not None and stored.expires_at > now)


def _pending_upload(session: Session, actor, upload_id: int, now: datetime) -> StoredFile:
    """The actor's own unexpired upload; anyone else's, or none, is as if it did not exist."""
    stored = session.get(StoredFile, upload_id)
    if stored is None or not _is_pending_upload(stored, actor, now):
        raise ImportFileError(NO_PREVIEW)
    return stored


def preview_upload(session: Session, actor, upload_id: int, *, update: bool = False,
                   now: datetime | None = None) -> ImportResult:
    """What importing the stored upload would do (nothing is written); a file with errors is not kept."""
    now = now or utcnow()
    try:
        with write_transaction(session):
            actor = load_actor(session, actor)
            require_importer(actor)
            stored = _pending_upload(session, actor, upload_id, now)
            return _import(session, actor, read_bytes(session, stored), stored.filename, update=update,
                           dry_run=True, now=now, expected_sha256=None, progress=None)
    except (ImportRejected, ImportFileError):
        with write_transaction(session):
            stored = session.get(StoredFile, upload_id)
            if stored is not None and _is_pending_upload(stored, load_actor(session, actor), now):
                delete_stored(session, stored)  # nothing can be confirmed from a file with errors
        raise


def upload_and_preview(session: Session, actor, stream: BinaryIO, filename: str, *, update: bool = False,
                       replaces: int | None = None, now: datetime | None = None) -> tuple[StoredFile, ImportResult]:
    """Store an upload and preview it: the stored file (its id is what `confirm_upload` takes, on any node)
    and what importing it would do. A file with errors is refused and not kept. The name is the file's own,
    without the sender's folders."""
    filename = PurePath((filename or "").replace("\\", "/")).name[:200]
    stored = stage_upload(session, actor, stream, filename, replaces=replaces, now=now)
    return stored, preview_upload(session, actor, stored.id, update=update, now=now)


def check_confirm(session: Session, actor, upload_id: int, *, expected_sha256: str,
                  now: datetime | None = None) -> StoredFile:
    """Whether the actor's previewed upload can be confirmed: refused at once, before a job is queued."""
    now = now or utcnow()
    actor = load_actor(session, actor)
    require_importer(actor)
    stored = _pending_upload(session, actor, upload_id, now)
    if expected_sha256 != stored.sha256:
        raise ImportRejected(f"Filen {stored.filename} är inte den som förhandsgranskades; inget har sparats.",
                             ["Ladda upp filen igen och granska förhandsvisningen innan du bekräftar."])
    return stored


def confirm_upload(session: Session, actor, upload_id: int, *, expected_sha256: str, update: bool = False,
                   now: datetime | None = None) -> ImportResult:
    """Import exactly the previewed upload and delete it, in one transaction: it cannot be imported twice."""
    with write_transaction(session):
        return confirm_upload_in_transaction(session, actor, upload_id, expected_sha256=expected_sha256,
                                             update=update, now=now)


def confirm_upload_in_transaction(session: Session, actor, upload_id: int, *, expected_sha256: str,
                                  update: bool = False, now: datetime | None = None) -> ImportResult:
    """The confirmation inside the caller's write transaction (the job's, which ends the job in the same
    commit): the measures, their history and the upload's deletion commit together or not at all."""
    now = now or utcnow()
    actor = load_actor(session, actor)
    require_importer(actor)
    stored = _pending_upload(session, actor, upload_id, now)
    result = _import(session, actor, read_bytes(session, stored), stored.filename, update=update,
                     dry_run=False, now=now, expected_sha256=expected_sha256, progress=None)
    delete_stored(session, stored)
    return result


def import_outcome(result: ImportResult) -> dict:
    """What a confirmed import did, as plain data kept with its job (the result page and the API read it)."""
    return {
        "file_name": result.file_name, "sha256": result.sha256,
        "created": len(result.created_ids), "updated": len(result.updated), "unchanged": len(result.unchanged),
        "notes": result.notes[:PREVIEW_LISTED],
        "created_measures": [{"id": measure_id, "row": plan.row, "title": plan.values["title"]}
                             for measure_id, plan in zip(result.created_ids[:PREVIEW_LISTED], result.created)],
        "updated_measures": [{"id": m.measure.id, "row": m.plan.row, "title": m.measure.title,
                              "changes": sorted(m.changes)} for m in result.updated[:PREVIEW_LISTED]],
    }


def _record_earlier_states(session: Session, actor, ids: list[int], plans: list[RowPlan], now: datetime,
                           comment: str) -> None:
    """New measures the file says were further on (decided before kfflow): the lifecycle's import transition."""
    wf = get_workflows().current("measure")
    owners = {u.id: u for u in session.scalars(select(User).where(
        User.id.in_({p.owner_id for p in plans if p.owner_id is not None})))}
    for transition in wf.by_import(wf.initial):
        moved = [(i, p) for i, p in zip(ids, plans) if p.state == transition.dest]
        fire_imported_in_transaction(
            session, actor, transition.trigger,
            [NewMeasure(i, wf.initial, wf.version, owner_id=p.owner_id) for i, p in moved],
            [p.transition_values(transition, owners) for _, p in moved], now=now,
            comment=f"{comment}: {transition.label.lower()} enligt filen")
