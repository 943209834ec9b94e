"""Jobs as users see them: ask for heavy work, follow the job, fetch its result.

`request_document` answers at once with a cached result when one was made from the same data, else with
a job: the one this user already has waiting for the same thing, or a new one (within the per-user limit)
whose queue entry commits with its row. `request_registration` and `request_import` check the request at
once (a refusal is told now, not by a failed job) and queue a job that *writes*: it registers the yttrande,
or imports the previewed file, in the same transaction that ends the job, so a retry after a killed worker
finds it either undone (and does it) or done (and skips it). The kinds of job are the registry `JOB_KINDS`.
"""
from __future__ import annotations

import functools
import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kfflow.clock import local_today
from kfflow.db import utcnow, write_transaction
from kfflow.errors import NotFound, TooManyJobs, ValidationError
from kfflow.models import (Audit, Body, HistoryEntry, Job, Measure, ProgressReport, Recommendation, Setting,
                           StoredFile, User)
from kfflow.models.job import WAITING_STATES
from kfflow.services import documents, importing
from kfflow.services.secrecy import may_read_secrets
from kfflow.services._common import load_actor
from kfflow.storage import get_stored, read_bytes, store_bytes

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobResult:
    content: bytes
    filename: str
    media_type: str


@dataclass(frozen=True)
class JobKind:
    name: str
    label: str                                          # Swedish: what the waiting page says is being made
    # Renders (a document: JobResult) or writes (anything else: the outcome, plain data); raises KfflowError
    # with a Swedish message.
    run: Callable[[Session, User, dict], "JobResult | dict"]
    # Runs inside the transaction that ends the job: its changes and "done" commit together or not at all.
    writes: bool = False


def _run_delrapport(session: Session, actor: User, params: dict) -> JobResult:
    content = documents.render_delrapport(session, actor, params["from"], params["to"],
                                          diarienummer=params.get("dnr"))
    return JobResult(content, f"delrapport-{params['from']}-{params['to']}.pdf", documents.PDF)


def _run_slutredovisning(session: Session, actor: User, params: dict) -> JobResult:
    content = documents.render_slutredovisning(session, actor, diarienummer=params.get("dnr"))
    return JobResult(content, "slutredovisning.pdf", documents.PDF)


def _run_registration(session: Session, actor: User, params: dict) -> dict:
    record = documents.register_yttrande_in_transaction(session, actor, params["audit_id"])
    return {"audit_id": params["audit_id"], "document_id": record.id, "diarienummer": record.diarienummer,
            "document_number": record.document_number, "kind": record.kind, "version": record.version,
            "document_date": record.document_date.isoformat(), "sha256": record.sha256, "size": record.size,
            "media_type": record.media_type}


def _run_import(session: Session, actor: User, params: dict) -> dict:
    result = importing.confirm_upload_in_transaction(session, actor, params["upload"],
                                                     expected_sha256=params["sha256"], update=params["update"])
    return importing.import_outcome(result)


REGISTRATION, IMPORT = "yttrande", "import"
JOB_KINDS: dict[str, JobKind] = {kind.name: kind for kind in (
    JobKind("delrapport", "Delrapport", _run_delrapport),
    JobKind("slutredovisning", "Slutredovisning", _run_slutredovisning),
    JobKind(REGISTRATION, "Registrering av yttrande", _run_registration, writes=True),
    JobKind(IMPORT, "Import av åtgärder", _run_import, writes=True),
)}


@dataclass(frozen=True)
class JobAnswer:
    job: Job
    ready: bool      # True: a finished job whose result still matches the data (serve it now)


# --- the data version a cached result is checked against ----------------------------------------------

@functools.cache
def _workflows_digest() -> str:
    """The YAML files of lifecycles and vocabularies (their labels appear in reports); fixed for the process."""
    from pathlib import Path

    from kfflow.workflow import get_workflows

    wf = get_workflows()
    folders = {Path(wf.current(name).source_file).parent for name in wf.names()}
    digest = hashlib.sha256()
    for path in sorted(p for folder in folders for p in folder.glob("*.yaml")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def data_version(session: Session, now: datetime | None = None) -> str:
    """A digest that changes whenever anything a report shows may have changed.

    Cases carry an optimistic-lock version that every change raises, every change writes history, and
    reports are dated today: so counts and version sums, the newest history and progress rows, people and
    bodies, the settings and the local date together cover what a report reads, in one cheap query.
    """
    now = now or utcnow()
    scalar = lambda *cols: select(*cols).scalar_subquery()  # noqa: E731
    counts = session.execute(select(
        scalar(func.count(Measure.id)), scalar(func.coalesce(func.sum(Measure.version), 0)),
        scalar(func.count(Recommendation.id)), scalar(func.coalesce(func.sum(Recommendation.version), 0)),
        scalar(func.count(Audit.id)), scalar(func.coalesce(func.sum(Audit.version), 0)),
        scalar(func.max(HistoryEntry.id)), scalar(func.count(ProgressReport.id)), scalar(func.max(ProgressReport.id)),
        scalar(func.count(User.id)), scalar(func.coalesce(func.sum(func.length(User.display_name)), 0)),
        scalar(func.count(Body.id)), scalar(func.max(Body.id)),
    )).one()
    settings = session.execute(select(Setting.key, Setting.value).order_by(Setting.key)).all()
    payload = json.dumps([list(counts), [list(s) for s in settings], local_today(now).isoformat(),
                          _workflows_digest()], default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


# --- asking for a document ------------------------------------------------------------------------

def _params_key(kind: str, params: dict, *, reveals_secrets: bool) -> str:
    """What makes two requests ask for the same document. A report shows marked cases in full only to readers
    with `read_secret`, so whether the reader has it is part of the key: a cached report made for one is never
    served to the other."""
    return json.dumps({"kind": kind, **params, "secrets": reveals_secrets}, sort_keys=True, ensure_ascii=False)


def _made_with_secrets(job: Job) -> bool:
    """Whether the result may show marked cases in full; a key that does not say (older jobs) counts as yes."""
    try:
        key = json.loads(job.params_key)
    except ValueError:
        return True
    return not isinstance(key, dict) or key.get("secrets", True) is not False


def document_params(session: Session, kind: str, params: dict) -> dict:
    """The job's parameters, checked now (a bad period is told at once, not by a failed job)."""
    if kind == "delrapport":
        first, last = documents.delrapport_period(session, params.get("from", ""), params.get("to", ""))
        return {"from": first.isoformat(), "to": last.isoformat(), "dnr": _diarienummer(session, params)}
    if kind == "slutredovisning":
        return {"dnr": _diarienummer(session, params)}
    raise ValidationError("Okänd sorts jobb.", {"kind": f"”{kind}” finns inte."})


def _diarienummer(session: Session, params: dict) -> str | None:
    given = params.get("dnr") or None
    if given is not None:
        documents._report_diarienummer(session, given)  # checked now, as the report will check it
    return given


def request_document(session: Session, actor, kind: str, params: dict, queue, *, limit: int = 2,
                     now: datetime | None = None) -> JobAnswer:
    """A finished result made from the same data, else a job that makes it (HTTP: 200, else 202)."""
    actor = load_actor(session, actor)
    params = document_params(session, kind, params)
    return _request(session, actor, kind, params, queue, limit=limit, now=now, cached=True)


def request_registration(session: Session, actor, audit_id: int, queue, *, limit: int = 2,
                         now: datetime | None = None) -> JobAnswer:
    """A job that registers the audit's final yttrande (HTTP 202). Refused at once when it could not."""
    documents.check_registration(session, actor, audit_id)
    return _request(session, load_actor(session, actor), REGISTRATION, {"audit_id": audit_id}, queue,
                    limit=limit, now=now)


def request_import(session: Session, actor, upload_id: int, *, expected_sha256: str, update: bool, queue,
                   limit: int = 2, now: datetime | None = None) -> JobAnswer:
    """A job that imports the previewed upload, all or nothing (HTTP 202). Refused at once when the upload
    is not this person's pending one or not the file previewed."""
    stored = importing.check_confirm(session, actor, upload_id, expected_sha256=expected_sha256, now=now)
    params = {"upload": stored.id, "sha256": stored.sha256, "update": bool(update)}
    return _request(session, load_actor(session, actor), IMPORT, params, queue, limit=limit, now=now)


def _request(session: Session, actor: User, kind: str, params: dict, queue, *, limit: int,
             now: datetime | None, cached: bool = False) -> JobAnswer:
    now = now or utcnow()
    key = _params_key(kind, params, reveals_secrets=may_read_secrets(actor))
    with write_transaction(session):
        # Serialises one user's requests (row lock on PostgreSQL, BEGIN IMMEDIATE on SQLite): the limit holds.
        actor = session.get(User, actor.id, with_for_update=True, populate_existing=True)
        version = data_version(session, now) if cached else ""
        same = select(Job).where(Job.kind == kind, Job.params_key == key, Job.fingerprint == version)
        if cached:
            found = session.scalars(same.where(Job.state == "done", Job.result_file_id.is_not(None))
                                    .order_by(Job.id.desc()).limit(1)).first()
            if found is not None:
                return JobAnswer(found, True)
        # The same request again while it waits (a double click): the same job, never a second registration.
        waiting = session.scalars(same.where(Job.requested_by_id == actor.id, Job.state.in_(WAITING_STATES))
                                  .order_by(Job.id.desc()).limit(1)).first()
        if waiting is not None:
            return JobAnswer(waiting, False)
        busy = session.scalar(select(func.count(Job.id)).where(Job.requested_by_id == actor.id,
                                                                Job.state.in_(WAITING_STATES)))
        if busy >= limit:
            raise TooManyJobs(f"Du har redan {busy} jobb som pågår (rapporter, registreringar eller importer). "
                              "Vänta tills något av dem är klart och försök sedan igen.")
        job = Job(kind=kind, params=params, params_key=key, fingerprint=version, requested_by_id=actor.id,
                  state="queued", progress=0, created_at=now)
        session.add(job)
        session.flush()
        queue.enqueue(session, job.id)
    log.info("job %s (%s) queued for %s", job.id, kind, actor.username)
    return JobAnswer(job, False)


# --- following a job ---------------------------------------------------------------------------------

def job_for(session: Session, actor, job_id: int) -> Job:
    """The job, fresh from the database; only the person who asked for it sees it."""
    actor = load_actor(session, actor)
    job = session.get(Job, job_id, populate_existing=True)
    if job is None or job.requested_by_id != actor.id:
        raise NotFound("Jobbet finns inte.")
    return job


def job_label(job: Job) -> str:
    return JOB_KINDS[job.kind].label if job.kind in JOB_KINDS else job.kind


def job_result(session: Session, actor, job_id: int) -> JobResult:
    """The finished job's document. A report is the same for every reader with the same right to read marked
    cases, so a cached one is anyone's who shares it; one made with secrets is no one else's (404, not 403:
    that it exists says nothing)."""
    actor = load_actor(session, actor)
    job = session.get(Job, job_id, populate_existing=True)
    if job is None or job.state != "done" or job.kind not in JOB_KINDS or JOB_KINDS[job.kind].writes or (
            _made_with_secrets(job) and not may_read_secrets(actor)):
        raise NotFound("Resultatet finns inte (jobbet är inte klart).")
    if job.result_file_id is None:
        raise NotFound("Resultatet har rensats bort. Beställ rapporten igen.")
    stored = get_stored(session, job.result_file_id)
    return JobResult(read_bytes(session, stored), stored.filename, stored.media_type)


# --- where results live ---------------------------------------------------------------------------------

# A cached report is dated today, so it is stale after midnight anyway; kept a little longer for its reader.
RESULT_LIFETIME = timedelta(days=2)


def store_result(session: Session, job: Job, result: "JobResult | dict", *, now: datetime | None = None) -> None:
    """Keep the result, in the transaction that marks the job done: a document in the blob store, what a
    writing job did as its outcome."""
    now = now or utcnow()
    if isinstance(result, dict):
        job.outcome = result
        return
    stored = store_bytes(session, result.content, filename=result.filename, media_type=result.media_type,
                         purpose=StoredFile.PURPOSE_REPORT, created_by=job.requested_by_id,
                         expires_at=now + RESULT_LIFETIME, now=now)
    job.result_file_id = stored.id
