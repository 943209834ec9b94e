"""Helpers for tests that ask for heavy documents: let the app's queue run what is waiting."""
from __future__ import annotations

import time

from sqlalchemy import func, select

from kfflow.models import Job
from kfflow.models.job import WAITING_STATES


def run_waiting_jobs(app_or_queue, timeout: float = 60) -> None:
    """Worker mode: a real procrastinate worker drains the PostgreSQL queue and stops. Embedded: the web
    process's own worker thread runs them; wait until no job is waiting."""
    queue = app_or_queue.extensions["kfflow_jobs"] if hasattr(app_or_queue, "extensions") else app_or_queue
    if queue.mode == "worker":
        queue.run_worker(wait=False, listen_notify=False)
        return
    type(queue).start_embedded(queue)  # (the real one, also when hold_jobs replaced it)
    deadline = time.monotonic() + timeout
    with queue.db.session() as session:
        while session.scalar(select(func.count(Job.id)).where(Job.state.in_(WAITING_STATES))):
            session.rollback()
            assert time.monotonic() < deadline, "jobs still waiting"
            time.sleep(0.05)


def follow(client, response, app, *, status: int = 303):
    """A web report request answered with the waiting page: run the job, then follow to the result."""
    assert response.status_code == status, response.status_code
    job_url = response.headers["Location"]
    run_waiting_jobs(app)
    done = client.get(job_url)
    assert done.status_code == 303, done.get_data(as_text=True)
    return client.get(done.headers["Location"])


def hold_jobs(app_or_queue) -> None:
    """Jobs this app queues wait until `run_waiting_jobs` (embedded: its worker thread is not started;
    worker mode: no worker runs until then anyway), so a test sees them waiting."""
    queue = app_or_queue.extensions["kfflow_jobs"] if hasattr(app_or_queue, "extensions") else app_or_queue
    queue.start_embedded = lambda: None


def finished_job(session, owner, *, kind: str = "slutredovisning", content: bytes = b"%PDF-1.7 test"):
    """A done job of `owner`'s with a stored result, as the runner leaves it."""
    from kfflow.db import write_transaction
    from kfflow.services.jobs import JobResult, store_result

    with write_transaction(session):
        job = Job(kind=kind, params={"dnr": None}, params_key='{"secrets": false}', fingerprint="test", requested_by_id=owner.id,
                  state="done", progress=100)
        session.add(job)
        session.flush()
        store_result(session, job, JobResult(content, f"{kind}.pdf", "application/pdf"))
    return job


def api_job_done(api, accepted: dict, as_user: str) -> dict:
    """A job an API request answered 202 with, run to its end and read back as its owner sees it."""
    run_waiting_jobs(api.client.application)
    status, job = api.call("GET", f"/jobs/{accepted['id']}", as_user=as_user)
    assert status == 200 and job["state"] in ("done", "failed"), job
    return job
