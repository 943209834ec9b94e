"""What the queue runs: one job, from its row to its result.

The task is given only the job's id. It claims the row (queued → running) so that a job delivered twice
runs once, renders as the person who asked, and ends the row done (with the result) or failed (with a
Swedish message for them; the details go to the log).
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select, update

from kfflow.database import Database
from kfflow.db import utcnow, write_transaction
from kfflow.errors import KfflowError
from kfflow.models import Job, User
from kfflow.models.job import WAITING_STATES

log = logging.getLogger(__name__)

INTERNAL_ERROR = "Ett internt fel uppstod när rapporten skapades. Försök igen om en stund."
LOST_MESSAGE = "Jobbet avbröts innan det blev klart (servern startades om). Beställ rapporten igen."


def _claim(db: Database, job_id: int) -> bool:
    with db.session() as session, write_transaction(session):
        claimed = session.execute(update(Job).where(Job.id == job_id, Job.state == "queued")
                                  .values(state="running", started_at=utcnow(), progress=10))
        return claimed.rowcount == 1


def execute_job(db: Database, job_id: int) -> str:
    """Run the job; returns the state it ended in ("skipped" when it was not waiting to run)."""
    from kfflow.services.jobs import JOB_KINDS, store_result

    if not _claim(db, job_id):
        log.warning("job %s is not queued (run already, or gone); skipped", job_id)
        return "skipped"
    with db.session() as session:
        job = session.get(Job, job_id)
        kind = JOB_KINDS.get(job.kind)
        actor = session.get(User, job.requested_by_id)
        error: str | None = None
        try:
            if kind is None:
                raise KfflowError(f"Okänd sorts jobb: {job.kind}.")
            result = kind.run(session, actor, dict(job.params))
        except KfflowError as exc:
            details = "; ".join(getattr(exc, "fields", {}).values())
            error = exc.message + (f" {details}" if details else "")
            log.info("job %s (%s) refused: %s", job_id, job.kind, exc.code)
        except Exception:  # noqa: BLE001 - any failure ends the job failed, told in Swedish
            log.exception("job %s (%s) failed", job_id, job.kind)
            error = INTERNAL_ERROR
        with write_transaction(session):
            job = session.get(Job, job_id, populate_existing=True)
            job.finished_at = utcnow()
            if error is None:
                store_result(session, job, result)
                job.state, job.progress = "done", 100
            else:
                job.state, job.error = "failed", error
        return job.state


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
