"""The queue jobs run from: procrastinate, in one of two places.

- "worker" (production, PostgreSQL): procrastinate's tables in the project's own database. A job is
  deferred on the connection of the transaction that created its `job` row, so both commit or neither
  does; `kfflow worker` processes run them.
- "embedded" (the default on SQLite, `make run`): procrastinate's in-memory connector and a worker on a
  thread of the web process that asked, started on the first job. Nothing else to run; a job still
  waiting when that process stops is lost (its row is marked failed by the next sweep, see runner.py).

Either way the task is the same function, `kfflow.jobs.runner.execute_job`.

In worker mode two periodic tasks run as well (procrastinate defers each once per tick, whatever the number of
workers): `kfflow.retry_stalled_jobs` hands the jobs of a worker whose heartbeat stopped (killed, its host
gone) to the others, procrastinate's own recipe (`get_stalled_jobs` + `retry_job`); `kfflow.deliver_mail`
sends what the outbox holds (the scheduler's sweep only queues mail in this mode and defers one delivery).
"""
from __future__ import annotations

import asyncio
import logging
import threading
from datetime import datetime, timezone
from typing import Any

import procrastinate
from procrastinate.testing import InMemoryConnector
from sqlalchemy import event, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from kfflow.database import Database
from kfflow.db import utcnow
from kfflow.operations import metric_source, readiness_check

log = logging.getLogger(__name__)

EMBEDDED, WORKER = "embedded", "worker"
QUEUE_NAME = "kfflow"
TASK_NAME = "kfflow.run_job"
RETRY_STALLED_TASK = "kfflow.retry_stalled_jobs"
DELIVER_MAIL_TASK = "kfflow.deliver_mail"
RETRY_STALLED_CRON = "* * * * * */5"   # every five seconds (croniter's sixth field is the second)
DELIVER_MAIL_CRON = "* * * * *"        # every minute: retries after back-off go out without waiting for a sweep
_AFTER_COMMIT = "kfflow_after_commit"


def libpq_url(database_url: str) -> str:
    """The SQLAlchemy URL as libpq understands it (no "+psycopg" driver suffix)."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def after_commit(session: Session, action) -> None:
    """Run `action` once the session's current transaction has committed; forget it on rollback."""
    session.info.setdefault(_AFTER_COMMIT, []).append(action)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    for action in session.info.pop(_AFTER_COMMIT, ()):
        action()


@event.listens_for(Session, "after_soft_rollback")
def _forget_after_commit(session: Session, _previous_transaction) -> None:
    session.info.pop(_AFTER_COMMIT, None)


def create_queue_schema(connection) -> None:
    """procrastinate's tables and functions on a PostgreSQL connection (for databases not made by Alembic)."""
    from procrastinate.schema import SchemaManager

    connection.exec_driver_sql(SchemaManager.get_schema().replace("%", "%%"))


class JobQueue:
    """One per process: the procrastinate app, its one task, and (embedded) the worker thread."""

    def __init__(self, db: Database, mode: str = EMBEDDED, *, concurrency: int = 1, settings=None):
        if mode not in (EMBEDDED, WORKER):
            raise ValueError(f"KFFLOW_JOBS must be {EMBEDDED!r} or {WORKER!r}, not {mode!r}")
        if mode == WORKER and db.engine.dialect.name != "postgresql":
            raise ValueError("KFFLOW_JOBS=worker needs PostgreSQL (procrastinate's queue lives there); "
                             "on SQLite jobs run embedded in the web process")
        self.db = db
        self.mode = mode
        self.concurrency = concurrency
        self.settings = settings
        self.stalled_after = settings.jobs_stalled_after if settings is not None else 60.0
        connector = (InMemoryConnector() if mode == EMBEDDED
                     else procrastinate.PsycopgConnector(conninfo=libpq_url(db.url), min_size=1, max_size=4))
        self.app = procrastinate.App(connector=connector)

        def run_job(context: procrastinate.JobContext, job_id: int) -> None:
            from kfflow.jobs.runner import execute_job

            # attempts > 0: procrastinate delivers it again (retry_stalled_jobs), the row may say running.
            execute_job(self.db, job_id, retry=bool(context.job and context.job.attempts))

        self.task = self.app.task(name=TASK_NAME, queue=QUEUE_NAME, pass_context=True)(run_job)
        if mode == WORKER:
            self._add_periodic_tasks()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._worker: asyncio.Task | None = None

    @classmethod
    def from_settings(cls, db: Database, settings) -> "JobQueue":
        return cls(db, settings.jobs_mode, settings=settings)

    def _add_periodic_tasks(self) -> None:
        @self.app.periodic(cron=RETRY_STALLED_CRON)
        @self.app.task(name=RETRY_STALLED_TASK, queue=QUEUE_NAME, queueing_lock=RETRY_STALLED_TASK,
                       pass_context=True)
        async def retry_stalled_jobs(context: procrastinate.JobContext, timestamp: int) -> int:
            manager = context.app.job_manager
            stalled = await manager.get_stalled_jobs(seconds_since_heartbeat=self.stalled_after)
            for job in stalled:
                log.warning("job %s (%s) stalled: its worker stopped sending heartbeats; retried",
                            job.id, job.task_name)
                await manager.retry_job(job)
            return len(stalled)

        @self.app.periodic(cron=DELIVER_MAIL_CRON)
        @self.app.task(name=DELIVER_MAIL_TASK, queue=QUEUE_NAME, queueing_lock=DELIVER_MAIL_TASK)
        def deliver_mail(timestamp: int | None = None) -> int:
            from kfflow.reminders.runner import deliver_outbox

            # What is due by now goes out, or by the sweep's time when that is later (a sweep "as of" a given
            # time, `kfflow remind --now`); a periodic tick's timestamp is already past when the job runs.
            now = utcnow()
            if timestamp:
                now = max(now, datetime.fromtimestamp(timestamp, timezone.utc))
            return len(deliver_outbox(self.db, self.settings, now=now).sent)

        self.deliver_mail = deliver_mail

    def defer_mail_delivery(self, now: datetime) -> bool:
        """Worker mode: one delivery of what is due by `now`, soon (False: one is already waiting, which will do)."""
        from procrastinate.exceptions import AlreadyEnqueued

        try:
            with self.db.engine.begin() as conn:
                self.deliver_mail.configure(connection=conn.connection.driver_connection).defer(
                    timestamp=int(now.timestamp()))
        except AlreadyEnqueued:
            return False
        return True

    # --- enqueueing ---------------------------------------------------------------------------

    def enqueue(self, session: Session, job_id: int) -> None:
        """Queue the job whose row the caller's write transaction has just flushed."""
        if self.mode == WORKER:
            # The same connection and transaction as the job row: a rollback takes both back.
            connection = session.connection().connection.driver_connection
            self.task.configure(connection=connection).defer(job_id=job_id)
        else:
            # In memory nothing rolls back, and the worker must find the row: defer once it is committed.
            after_commit(session, lambda: self._defer_embedded(job_id))

    def _defer_embedded(self, job_id: int) -> None:
        self.start_embedded()
        self.task.defer(job_id=job_id)

    # --- running --------------------------------------------------------------------------------

    def worker_options(self, **overrides: Any) -> dict:
        options = {"queues": [QUEUE_NAME], "concurrency": self.concurrency, "delete_jobs": "successful",
                   "fetch_job_polling_interval": 1.0 if self.mode == EMBEDDED else 5.0,
                   # A killed worker's jobs are retried once its heartbeat is this old (retry_stalled_jobs).
                   "update_heartbeat_interval": self.stalled_after / 4,
                   "stalled_worker_timeout": self.stalled_after}
        options.update(overrides)
        return options

    def run_worker(self, **overrides: Any) -> None:
        """`kfflow worker`: run jobs in this process until SIGINT/SIGTERM (or, wait=False, until none is left)."""
        self.app.run_worker(**self.worker_options(**overrides))

    def start_embedded(self) -> None:
        """Start the in-process worker thread once (embedded mode)."""
        with self._lock:
            if self._thread is not None:
                return
            started = threading.Event()

            async def main():
                async with self.app.open_async():
                    self._worker = asyncio.current_task()
                    started.set()
                    await self.app.run_worker_async(**self.worker_options(install_signal_handlers=False))

            def run():
                self._loop = asyncio.new_event_loop()
                try:
                    self._loop.run_until_complete(main())
                except asyncio.CancelledError:
                    pass
                except Exception:  # noqa: BLE001 - a dead worker thread must at least say so
                    log.exception("the embedded job worker stopped")
                finally:
                    self._loop.close()

            self._thread = threading.Thread(target=run, name="kfflow-jobs", daemon=True)
            self._thread.start()
            started.wait(10)

    def stop(self, timeout: float = 30) -> None:
        """Stop the embedded worker after the job it is running (tests, shutdown)."""
        with self._lock:
            thread, loop, worker = self._thread, self._loop, self._worker
            self._thread = None
        if thread is None:
            return
        if loop is not None and worker is not None and not loop.is_closed():
            loop.call_soon_threadsafe(worker.cancel)
        thread.join(timeout)


# --- what operators see: /readyz and /metrics (kfflow.operations registries) ----------------------------

@readiness_check("queue")
def _queue_reachable(db: Database, settings) -> str | None:
    """Worker mode: procrastinate's queue table answers in the database (embedded: in memory, always there)."""
    if settings.jobs_mode != WORKER:
        return None
    with db.engine.connect() as conn:
        conn.execute(text("SELECT 1 FROM procrastinate_jobs LIMIT 1"))
    return None


@metric_source
def _jobs(session: Session, settings, now):
    from prometheus_client.core import GaugeMetricFamily

    from kfflow.models import Job
    from kfflow.models.job import WAITING_STATES

    rows = session.execute(select(Job.state, func.count(), func.min(Job.created_at))
                           .where(Job.state.in_(WAITING_STATES)).group_by(Job.state)).all()
    counts = {state: n for state, n, _ in rows}
    family = GaugeMetricFamily("kfflow_jobs", "Jobs (reports) waiting, by state", labels=["state"])
    for state in WAITING_STATES:
        family.add_metric([state], counts.get(state, 0))
    yield family
    oldest = min((first for _, _, first in rows if first is not None), default=None)
    yield GaugeMetricFamily("kfflow_job_oldest_waiting_seconds",
                            "Age of the oldest queued or running job (0: none waits)",
                            value=(now - oldest).total_seconds() if oldest else 0)
