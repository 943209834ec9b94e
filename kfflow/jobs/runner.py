"""What the queue runs: one job, from its row to its result.

The task is given only the job's id. It claims the row (queued → running, raising its `attempt`) so that a
job delivered twice runs once, runs as the person who asked, and ends the row done (with the result) or
failed (with a Swedish message for them; the details go to the log).

A worker killed mid-job leaves its row running; procrastinate hands the job to another worker once the dead
one's heartbeat is stale (queue.py), and that delivery is a *retry*: it may claim a running row too. A run
ends the row only while it still holds the latest attempt (the row is locked and compared in the finishing
transaction). A job that writes (registration, import) is claimed, run and ended in one transaction on its
locked row — so whatever was killed when, the work is committed exactly once: a retry finds it undone and
does it, or done and skips it.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select, update

from kfflow.database import Database
from kfflow.db import utcnow, write_transaction
from kfflow.errors import KfflowError, StorageUnavailable
from kfflow.faults import crash_point
from kfflow.models import Job, User
from kfflow.models.job import WAITING_STATES

log = logging.getLogger(__name__)

INTERNAL_ERROR = "Ett internt fel uppstod när jobbet kördes. Försök igen om en stund."
LOST_MESSAGE = "Jobbet avbröts innan det blev klart (servern startades om). Försök igen."


class _Superseded(Exception):
    """Another run took the job over (a retry) or ended it: this run's work is rolled back."""


def _claim(db: Database, job_id: int, *, retry: bool) -> int | None:
    """Take the job for this run; the attempt number it now holds, or None when it is not this run's to do."""
    claimable = WAITING_STATES if retry else ("queued",)
    with db.session() as session, write_transaction(session):
        claimed = session.execute(update(Job).where(Job.id == job_id, Job.state.in_(claimable))
                                  .values(state="running", started_at=utcnow(), progress=10,
                                          attempt=Job.attempt + 1))
        if claimed.rowcount != 1:
            return None
        return session.scalar(select(Job.attempt).where(Job.id == job_id))


def _hold(session, job_id: int, attempt: int) -> Job:
    """The job row, locked for this transaction, if this run still holds it; else _Superseded."""
    job = session.get(Job, job_id, populate_existing=True, with_for_update=True)
    if job is None or job.state != "running" or job.attempt != attempt:
        raise _Superseded()
    return job


def _message(exc: KfflowError) -> str:
    details = "; ".join(getattr(exc, "fields", {}).values())
    return exc.message + (f" {details}" if details else "")


def execute_job(db: Database, job_id: int, *, retry: bool = False) -> str:
    """Run the job; returns the state it ended in ("skipped" when it was not this run's to do).

    `retry`: the queue delivers the job again because the worker that had it stopped (its row may say running).
    """
    from kfflow.services.jobs import JOB_KINDS, store_result

    with db.session() as session:
        kind = JOB_KINDS.get(session.scalar(select(Job.kind).where(Job.id == job_id)))
        if kind is not None and kind.writes:
            return _execute_writing(session, job_id, kind, retry=retry)
    attempt = _claim(db, job_id, retry=retry)
    if attempt is None:
        log.warning("job %s is not waiting to run (run already, or gone); skipped", job_id)
        return "skipped"
    with db.session() as session:
        job = session.get(Job, job_id)
        kind_name = job.kind
        kind = JOB_KINDS.get(kind_name)
        actor = session.get(User, job.requested_by_id)
        params = dict(job.params)
        error: str | None = None
        try:
            if kind is None:
                raise KfflowError(f"Okänd sorts jobb: {kind_name}.")
            result = kind.run(session, actor, params)
        except _Superseded:
            log.warning("job %s attempt %s was taken over or ended by another run; its work is undone",
                        job_id, attempt)
            return "skipped"
        except KfflowError as exc:
            error = _message(exc)
            log.info("job %s (%s) refused: %s", job_id, kind_name, exc.code)
        except Exception:  # noqa: BLE001 - any failure ends the job failed, told in Swedish
            log.exception("job %s (%s) failed", job_id, kind_name)
            error = INTERNAL_ERROR
        try:
            with write_transaction(session):
                job = _hold(session, job_id, attempt)
                if error is None:
                    _finish_done(session, job, result, store_result)
                else:
                    job.finished_at = utcnow()
                    job.state, job.error = "failed", error
        except _Superseded:
            return "skipped"
        except StorageUnavailable:
            log.error("job %s could not be ended (storage refuses writes); the sweep ends it later", job_id)
            raise
        return job.state


def _execute_writing(session, job_id: int, kind, *, retry: bool) -> str:
    """A job that writes: claimed, run and ended in one transaction on its locked row — the work and "done"
    commit together or not at all. Killed before the commit, the row still says queued and a retry does the
    work; after it, the row says done and a retry skips. Two runs at once queue on the row lock."""
    from kfflow.services.jobs import store_result

    claimable = WAITING_STATES if retry else ("queued",)
    try:
        with write_transaction(session):
            job = session.get(Job, job_id, populate_existing=True, with_for_update=True)
            if job is None or job.state not in claimable:
                raise _Superseded()
            job.state, job.started_at, job.attempt = "running", utcnow(), job.attempt + 1
            result = kind.run(session, session.get(User, job.requested_by_id), dict(job.params))
            _finish_done(session, job, result, store_result)
        crash_point("job:committed")
        return "done"
    except _Superseded:
        log.warning("job %s is not waiting to run (run already, or gone); skipped", job_id)
        return "skipped"
    except KfflowError as exc:
        error = _message(exc)
        log.info("job %s (%s) refused: %s", job_id, kind.name, exc.code)
    except Exception:  # noqa: BLE001 - any failure ends the job failed, told in Swedish
        log.exception("job %s (%s) failed", job_id, kind.name)
        error = INTERNAL_ERROR
    with write_transaction(session):
        job = session.get(Job, job_id, populate_existing=True, with_for_update=True)
        if job is None or job.state not in claimable:
            return "skipped"
        job.state, job.error, job.finished_at, job.attempt = "failed", error, utcnow(), job.attempt + 1
    return "failed"


def _finish_done(session, job: Job, result, store_result) -> None:
    job.finished_at = utcnow()
    store_result(session, job, result)
    job.state, job.progress = "done", 100


def fail_lost_jobs(db: Database, *, older_than: timedelta, now: datetime | None = None) -> int:
    """Mark jobs failed that waited or ran for longer than any job takes: their process is gone.

    Embedded jobs live in the memory of the web process that took them; a restart loses them, and their
    rows would say "queued" for ever. The sweep calls this, so the waiting page ends with a message.
    """
    now = now or utcnow()
    with db.session() as session, write_transaction(session):
        lost = session.scalars(select(Job.id).where(Job.state.in_(WAITING_STATES),
                                                    Job.created_at < now - older_than)).all()
        if lost:
            session.execute(update(Job).where(Job.id.in_(lost), Job.state.in_(WAITING_STATES))
                            .values(state="failed", error=LOST_MESSAGE, finished_at=now))
    if lost:
        log.warning("marked %d lost job(s) failed: %s", len(lost), lost)
    return len(lost)
