"""`kfflow scheduler`: run the sweep periodically in its own process — never inside web workers.

APScheduler cannot share a job store between processes, and every gunicorn worker would run its own copy;
so the scheduler is one process, and a lock makes any second one a standby:
- PostgreSQL: a session-level advisory lock held on a dedicated connection for the life of the process;
- SQLite: an fcntl lock on `<instance>/scheduler.lock` (one host only, which SQLite implies anyway).
The sweep is safe to run concurrently anyway (the outbox key); the lock only avoids wasted work.
"""
from __future__ import annotations

import fcntl
import logging
import os
import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import Connection, Engine, text

from kfflow.database import Database

log = logging.getLogger(__name__)
# "kfflow-r" as a 64-bit key: the one advisory lock the scheduler takes.
ADVISORY_LOCK_KEY = 0x6B66666C6F772D72


def leader_present(engine: Engine, lock_file: Path) -> bool:
    """Whether some scheduler holds the leader lock now (for /metrics; any process may ask).

    On SQLite the probe takes the file lock for an instant when it is free; a scheduler starting in that
    instant waits one poll as a standby and then takes it."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            return bool(conn.scalar(text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1 "
                "AND ((classid::bigint << 32) | objid::bigint) = :k"), {"k": ADVISORY_LOCK_KEY}))
    if not lock_file.exists():
        return False
    fd = os.open(lock_file, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


class SchedulerLock:
    """Held by exactly one scheduler process per database."""

    def __init__(self, db: Database, lock_file: Path):
        self.db = db
        self.lock_file = lock_file
        self._conn: Connection | None = None
        self._fd: int | None = None

    @property
    def postgres(self) -> bool:
        return self.db.engine.dialect.name == "postgresql"

    def try_acquire(self) -> bool:
        if self.postgres:
            if self._conn is None:
                self._conn = self.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            got = bool(self._conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_LOCK_KEY}))
            if not got:
                self._conn.close()
                self._conn = None
            return got
        self.lock_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_file, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def still_held(self) -> bool:
        """False when the lock connection died (PostgreSQL then released the lock)."""
        if self._conn is None:
            return self._fd is not None
        try:
            return self._conn.scalar(text("SELECT 1")) == 1
        except Exception:  # noqa: BLE001 - any failure means the session (and its lock) is gone
            return False

    def wait(self, stop: threading.Event, poll_seconds: float) -> bool:
        """Block as a standby until the lock is ours (True) or `stop` is set (False)."""
        announced = False
        while not stop.is_set():
            if self.try_acquire():
                return True
            if not announced:
                log.warning("another scheduler holds the lock; waiting as standby")
                announced = True
            stop.wait(poll_seconds)
        return False

    def release(self) -> None:
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_LOCK_KEY})
            finally:
                self._conn.close()
                self._conn = None
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def run_scheduler(db: Database, lock: SchedulerLock, sweep: Callable[[datetime], object], *, interval_seconds: int,
                  tz, stop: threading.Event | None = None, poll_seconds: float = 15, max_runs: int | None = None,
                  daily: dict[str, Callable[[datetime], object]] | None = None, daily_at: str = "03:15") -> int:
    """Hold the lock, then run `sweep(now)` every `interval_seconds` until stopped, and each of `daily` (name →
    job, e.g. the history verification) once a day at `daily_at` local time. Returns the number of sweeps."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    stop = stop or threading.Event()
    if not lock.wait(stop, poll_seconds):
        return 0
    runs = 0
    scheduler = BlockingScheduler(timezone=tz)

    def job():
        nonlocal runs
        if not lock.still_held():
            log.error("scheduler lock lost; stopping so that a standby can take over")
            scheduler.shutdown(wait=False)
            return
        try:
            sweep(datetime.now(timezone.utc))
        except Exception:  # noqa: BLE001 - one failed sweep must not stop the scheduler
            log.exception("reminder sweep failed")
        runs += 1
        if (max_runs is not None and runs >= max_runs) or stop.is_set():
            scheduler.shutdown(wait=False)

    scheduler.add_job(job, "interval", seconds=interval_seconds, next_run_time=datetime.now(tz),
                      max_instances=1, coalesce=True, id="reminder-sweep")

    def daily_job(name, run):
        if not lock.still_held():
            return  # the sweep job stops the scheduler
        try:
            run(datetime.now(timezone.utc))
        except Exception:  # noqa: BLE001 - a failed daily job must not stop the scheduler
            log.exception("daily job %s failed", name)

    hour, minute = (int(part) for part in daily_at.split(":"))
    for name, run in (daily or {}).items():
        scheduler.add_job(daily_job, "cron", hour=hour, minute=minute, args=(name, run), max_instances=1,
                          coalesce=True, id=f"daily-{name}")
    try:
        scheduler.start()
    finally:
        lock.release()
    return runs


# A job still waiting after this long has lost its process (an embedded job when the web process restarted;
# in worker mode a killed worker's jobs are retried, so this is the backstop): the sweep ends it with a message.
LOST_JOB_AFTER = timedelta(hours=1)


def periodic_sweep(db: Database, settings, rules, *, echo: Callable[[str], None] | None = None):
    """What the scheduler runs every interval: the reminder sweep, then the lost-jobs cleanup.

    With `KFFLOW_JOBS=worker` the sweep only queues mail (outbox rows) and defers one `kfflow.deliver_mail`
    job: `kfflow worker` processes send it, so a slow or unreachable mail server never holds the scheduler.
    Embedded, the sweep sends it itself."""
    from kfflow.jobs.queue import WORKER, JobQueue
    from kfflow.jobs.runner import fail_lost_jobs
    from kfflow.reminders.mail import Mailer, SmtpSettings, base_url
    from kfflow.reminders.runner import run_sweep

    smtp = SmtpSettings.from_settings(settings)
    queue = JobQueue(db, WORKER, settings=settings) if settings.jobs_mode == WORKER else None

    def sweep(now: datetime) -> None:
        mailer = Mailer(smtp) if smtp and queue is None else None
        result = run_sweep(db, rules, now, mailer=mailer, base=base_url(settings))
        if queue is not None and smtp is not None and result.waiting:
            queue.defer_mail_delivery(now)
        fail_lost_jobs(db, older_than=LOST_JOB_AFTER, now=now)
        if echo is not None:
            if queue is None:
                echo(f"{now:%Y-%m-%d %H:%M} svep: {len(result.delivery.sent)} skickade, "
                     f"{len(result.delivery.failed)} misslyckade.")
            else:
                echo(f"{now:%Y-%m-%d %H:%M} svep: {result.waiting} i utkorgen, skickas av kfflow worker.")
    return sweep


def daily_jobs(db: Database) -> dict[str, Callable[[datetime], object]]:
    """What the leading scheduler runs once a day: the history chain verification (docs/records.md)."""
    from kfflow.services.history import verify_and_record

    return {"history-verify": lambda now: verify_and_record(db, now)}


def start_embedded_scheduler(db: Database, settings, *, poll_seconds: float = 15) -> threading.Thread:
    """The embedded default (`make run`): the sweep inside the served app, on a daemon thread.

    Every web process starts one; the scheduler lock makes one of them the leader and the others standbys,
    so a restarted worker process hands the sweeps over like a separate `kfflow scheduler` does."""
    from kfflow.reminders.rules import load_reminder_rules
    from kfflow.workflow import get_workflows

    rules = load_reminder_rules(settings.workflows_path, get_workflows())
    lock = SchedulerLock(db, settings.instance_path / "scheduler.lock")
    sweep = periodic_sweep(db, settings, rules)

    def run() -> None:
        try:
            run_scheduler(db, lock, sweep, interval_seconds=settings.remind_interval, tz=rules.timezone,
                          poll_seconds=poll_seconds, daily=daily_jobs(db))
        except Exception:  # noqa: BLE001 - the web process goes on serving; the log says why sweeps stopped
            log.exception("the embedded reminder scheduler stopped")

    thread = threading.Thread(target=run, name="kfflow-scheduler", daemon=True)
    thread.start()
    return thread
