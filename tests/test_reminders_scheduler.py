"""The scheduler: one holder of the lock per database, a standby that waits, sweeps run by APScheduler."""
from __future__ import annotations

import threading
from zoneinfo import ZoneInfo

from kfflow.database import Database
from kfflow.reminders.scheduler import SchedulerLock, run_scheduler


def test_only_one_scheduler_holds_the_lock_and_a_standby_takes_over(db_url, tmp_path):
    first_db, second_db = Database.connect(db_url), Database.connect(db_url)
    first = SchedulerLock(first_db, tmp_path / "scheduler.lock")
    second = SchedulerLock(second_db, tmp_path / "scheduler.lock")
    try:
        assert first.try_acquire() and first.still_held()
        assert not second.try_acquire()
        stop = threading.Event()
        stop.set()
        assert second.wait(stop, poll_seconds=0) is False   # a standby asked to stop gives up
        first.release()
        assert second.try_acquire()
    finally:
        first.release()
        second.release()
        first_db.dispose()
        second_db.dispose()


def test_run_scheduler_runs_the_sweep_and_releases_the_lock(db_url, tmp_path):
    db = Database.connect(db_url)
    lock = SchedulerLock(db, tmp_path / "scheduler.lock")
    seen = []
    try:
        runs = run_scheduler(db, lock, seen.append, interval_seconds=3600, tz=ZoneInfo("Europe/Stockholm"),
                             max_runs=1)
        assert runs == 1 and len(seen) == 1 and seen[0].tzinfo is not None
        other = SchedulerLock(db, tmp_path / "scheduler.lock")
        assert other.try_acquire()
        other.release()
    finally:
        db.dispose()
