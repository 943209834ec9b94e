"""A `kfflow worker` killed with SIGKILL in the middle of a job: procrastinate sees its heartbeat stop, a second
worker retries the job, and the work is done exactly once — a yttrande registered once, an import imported once —
whether the first worker died before or after it committed."""
from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
from sqlalchemy import func, select, text

from kfflow.jobs.queue import WORKER, JobQueue
from kfflow.models import Job, Measure
from kfflow.services.importing import stage_upload
from kfflow.services.jobs import request_import, request_registration

from tests.audit_factories import answered_audit, decide
from tests.deploy_support import Process, stop_all, wait_until
from tests.test_registration_faults import KFFLOW_CRASHING_AT, register_and_agree

pytestmark = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # the worker's queue lives there

STALLED_AFTER = "2"  # seconds without a heartbeat before another worker takes the job over


def _worker(name: str, settings, tmp_path, crash_at: str | None = None) -> Process:
    """A real `kfflow worker` (told to die at `crash_at`, as kill -9 would kill it there)."""
    env = {**os.environ, "KFFLOW_DATABASE_URL": settings.database_url, "KFFLOW_JOBS": "worker",
           "KFFLOW_INSTANCE": str(settings.instance_path), "KFFLOW_JOBS_STALLED_AFTER": STALLED_AFTER,
           "KFFLOW_LOG_FORMAT": "text", "PYTHONUNBUFFERED": "1"}
    argv = [sys.executable, "-c", KFFLOW_CRASHING_AT, crash_at or "", "worker", "--nice", "0"]
    return Process(name, argv, env, tmp_path)


def _job(session, job_id: int) -> Job:
    session.rollback()
    return session.get(Job, job_id, populate_existing=True)


def _queue_entries(session) -> int:
    """The job's entries procrastinate still holds (successful ones are deleted)."""
    session.rollback()
    return session.scalar(text("SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'kfflow.run_job'"))


def _doing(session) -> bool:
    """A worker has taken the job (a writing job's row says "running" only inside its one transaction)."""
    session.rollback()
    return bool(session.scalar(text("SELECT count(*) FROM procrastinate_jobs "
                                    "WHERE task_name = 'kfflow.run_job' AND status = 'doing'")))


def _kill_mid_job_then_retry(session, settings, tmp_path, job_id: int, crash_at: str) -> Job:
    first = _worker("worker-1", settings, tmp_path, crash_at)
    try:
        first.popen.wait(timeout=120)
    finally:
        stop_all([first])
    assert first.popen.returncode == -signal.SIGKILL, first.output[-3000:]
    assert _queue_entries(session) == 1  # procrastinate still has it, as "doing" by a worker that is gone
    second = _worker("worker-2", settings, tmp_path)
    try:
        wait_until(lambda: _queue_entries(session) == 0, 120, f"the second worker to retry the job\n{second.output}")
    finally:
        stop_all([second])
    assert "stalled: its worker stopped sending heartbeats; retried" in second.output, second.output[-3000:]
    return _job(session, job_id), second.output


@pytest.mark.parametrize("crash_at", ["register:rendered", "register:recorded", "job:committed"])
def test_a_registration_killed_mid_job_is_registered_exactly_once_by_another_worker(
        database, session, users, settings, tmp_path, crash_at):
    audit, _ = answered_audit(session, users)
    decide(session, users, audit)
    queue = JobQueue(database, WORKER, settings=settings)
    job_id = request_registration(session, users["registrar"], audit.id, queue).job.id

    job, retried = _kill_mid_job_then_retry(session, settings, tmp_path, job_id, crash_at)

    assert job.state == "done" and job.outcome["version"] == 1, (job.state, job.error)
    # Killed before its commit, nothing of the first run stayed and the retry registered; after it, the retry
    # found the job done and skipped it.
    assert (f"job {job_id} is not waiting to run" in retried) == (crash_at == "job:committed")
    records = register_and_agree(session)
    assert len(records) == 1 and records[0].id == job.outcome["document_id"]


def test_an_import_killed_mid_job_is_imported_exactly_once_by_another_worker(
        database, session, users, settings, tmp_path):
    import io

    from tests.test_web_imports import GOOD, xlsx_bytes

    stored = stage_upload(session, users["steering"], io.BytesIO(xlsx_bytes(GOOD)), "plan.xlsx")
    queue = JobQueue(database, WORKER, settings=settings)
    job_id = request_import(session, users["steering"], stored.id, expected_sha256=stored.sha256, update=False,
                            queue=queue).job.id

    job, retried = _kill_mid_job_then_retry(session, settings, tmp_path, job_id, "job:committed")
    assert f"job {job_id} is not waiting to run" in retried

    assert job.state == "done" and job.outcome["created"] == len(GOOD)
    session.rollback()
    assert session.scalar(select(func.count(Measure.id))) == len(GOOD)


def test_a_worker_stopped_with_sigterm_finishes_its_job_first(database, session, users, settings, tmp_path):
    """The ordinary stop (a deploy): nothing to retry, the job ends done in the worker that had it."""
    audit, _ = answered_audit(session, users)
    decide(session, users, audit)
    queue = JobQueue(database, WORKER, settings=settings)
    job_id = request_registration(session, users["registrar"], audit.id, queue).job.id
    worker = _worker("worker", settings, tmp_path)
    try:
        wait_until(lambda: _doing(session), 120, f"the worker to take the job\n{worker.output}")
        worker.signal(signal.SIGTERM)
        worker.popen.wait(timeout=120)
    finally:
        stop_all([worker])
    job = _job(session, job_id)
    assert job.state == "done" and job.attempt == 1 and _queue_entries(session) == 0
    assert len(register_and_agree(session)) == 1
