"""Heavy documents as jobs: 202 and a job to follow, a cached result while the data is unchanged, the
per-user limit, the queue entry committed with the row (PostgreSQL), failures told in Swedish."""
from __future__ import annotations

import html
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from kfflow.db import utcnow, write_transaction
from kfflow.errors import TooManyJobs
from kfflow.jobs.queue import EMBEDDED, JobQueue
from kfflow.jobs.runner import LOST_MESSAGE, execute_job, fail_lost_jobs
from kfflow.models import Job
from kfflow.services.jobs import request_document
from kfflow.services.measures import propose_measure
from kfflow.services.users import set_active
from tests.api_support import Api
from tests.audit_factories import answered_audit
from tests.jobs_support import follow, hold_jobs, run_waiting_jobs
from tests.pdf_checks import embedded_json, text as pdf_text
from tests.web_support import sign_in


def _jobs(session) -> list[Job]:
    session.rollback()
    return list(session.scalars(select(Job).order_by(Job.id).execution_options(populate_existing=True)))


def test_api_report_is_a_job_then_a_cached_result_until_the_data_changes(app, client, session, users):
    answered_audit(session, users)
    api = Api(client, session)
    headers = {"Authorization": f"Bearer {api.token('council')}"}
    url = "/api/v1/reports/delrapport.pdf?from=2026-02-01&to=2026-03-02&dnr=RS/351/2022"

    first = client.get(url, headers=headers)
    assert first.status_code == 202, first.get_json()
    body = first.get_json()
    assert body["state"] in ("queued", "running", "done") and body["result_url"] is None or body["state"] == "done"
    assert first.headers["Location"] == f"/api/v1/jobs/{body['id']}"
    again = client.get(url, headers=headers)  # asked again while it waits: the same job, not a second one
    assert again.status_code in (200, 202) and len(_jobs(session)) == 1

    run_waiting_jobs(app)
    status, job = api.call("GET", f"/jobs/{body['id']}", as_user="council")
    assert status == 200 and job["state"] == "done" and job["progress"] == 100 and job["error"] is None
    assert job["result_url"] == f"/api/v1/jobs/{body['id']}/result"
    result = client.get(job["result_url"], headers=headers)
    assert result.status_code == 200 and result.mimetype == "application/pdf"
    assert embedded_json(result.data)["period"] == {"from": "2026-02-01", "to": "2026-03-02"}

    # The same report over the same data: served at once, to anyone who may read reports; no new job.
    cached = client.get(url, headers={"Authorization": f"Bearer {api.token('owner')}"})
    assert cached.status_code == 200 and cached.data == result.data and len(_jobs(session)) == 1
    # Someone else's job is not theirs to follow.
    assert api.call("GET", f"/jobs/{body['id']}", as_user="owner")[0] == 404

    # The data changes (a new measure): the cached result no longer matches, a new job is made.
    propose_measure(session, users["contributor"], {"title": "Fler e-besök"})
    assert client.get(url, headers=headers).status_code == 202 and len(_jobs(session)) == 2


def test_a_bad_period_is_refused_at_once_and_queues_nothing(client, session, users):
    api = Api(client, session)
    status, body = api.call("GET", "/reports/delrapport.pdf?from=2026-03-02&to=2026-02-01", as_user="council")
    assert status == 422 and set(body["error"]["fields"]) == {"to"}
    assert _jobs(session) == []


def test_per_user_limit_and_the_same_request_twice(database, session, users):
    """Two heavy jobs waiting per user; a third is refused with 429's Swedish message until one ends."""
    queue = JobQueue(database, EMBEDDED)
    hold_jobs(queue)  # nothing runs yet: the jobs stay waiting in the in-memory queue
    try:
        owner = users["owner"]
        first = request_document(session, owner, "delrapport", {"from": "2026-01-01", "to": "2026-01-31"}, queue)
        same = request_document(session, owner, "delrapport", {"from": "2026-01-01", "to": "2026-01-31"}, queue)
        assert same.job.id == first.job.id and not same.ready
        request_document(session, owner, "slutredovisning", {}, queue)
        with pytest.raises(TooManyJobs) as refused:
            request_document(session, owner, "delrapport", {"from": "2026-02-01", "to": "2026-02-28"}, queue)
        assert "Du har redan 2 jobb som pågår" in refused.value.message
        assert len(_jobs(session)) == 2
        # Another person is not held back by this one's jobs.
        request_document(session, users["council"], "delrapport", {"from": "2026-02-01", "to": "2026-02-28"}, queue)
        # One job ends: there is room again.
        assert execute_job(database, first.job.id) == "done"
        assert execute_job(database, first.job.id) == "skipped"  # delivered twice, run once
        request_document(session, owner, "delrapport", {"from": "2026-02-01", "to": "2026-02-28"}, queue)
    finally:
        queue.stop()


def test_a_failed_job_tells_why_in_swedish_on_its_page(make_web_app, session, users):
    app = make_web_app()
    hold_jobs(app)  # the job waits until the account is deactivated
    owner = sign_in(app, session, users["owner"])
    response = owner.get("/atgarder/slutredovisning.pdf")
    assert response.status_code == 303 and response.headers["Location"].startswith("/jobb/")
    page = owner.get(response.headers["Location"])
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and '<meta http-equiv="refresh" content="2">' in body
    assert "<script" not in body and "Väntar på sin tur" in body
    job_id = _jobs(session)[0].id
    set_active(session, users["admin"], users["owner"].id, False)
    assert execute_job(app.extensions["kfflow_db"], job_id) == "failed"
    set_active(session, users["admin"], users["owner"].id, True)
    owner = sign_in(app, session, users["owner"])  # deactivation ended the old session
    page = owner.get(f"/jobb/{job_id}")
    body = html.unescape(page.get_data(as_text=True))
    assert page.status_code == 200 and "http-equiv" not in body
    assert "Det gick inte att skapa dokumentet. Du måste vara inloggad med ett aktivt konto." in body


def test_web_report_waits_on_a_page_then_shows_the_pdf(make_web_app, session, users):
    app = make_web_app()
    answered_audit(session, users)
    council = sign_in(app, session, users["council"])
    result = follow(council, council.get("/atgarder/slutredovisning.pdf"), app)
    assert result.status_code == 200 and result.mimetype == "application/pdf"
    assert "Slutredovisning" in pdf_text(result.data)
    again = council.get("/atgarder/slutredovisning.pdf")  # unchanged data: the PDF at once
    assert again.status_code == 200 and again.data == result.data


def test_lost_jobs_end_failed_with_a_message(database, session, users):
    old = Job(kind="slutredovisning", params={}, params_key="{}", fingerprint="x", requested_by_id=users["owner"].id,
              state="running", progress=10, created_at=utcnow() - timedelta(hours=2))
    new = Job(kind="slutredovisning", params={}, params_key="{}", fingerprint="x", requested_by_id=users["owner"].id,
              state="queued", progress=0, created_at=utcnow())
    with write_transaction(session):
        session.add_all([old, new])
    assert fail_lost_jobs(database, older_than=timedelta(hours=1)) == 1
    jobs = _jobs(session)
    assert [(j.state, j.error) for j in jobs] == [("failed", LOST_MESSAGE), ("queued", None)]


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # procrastinate's queue lives there
def test_postgresql_queue_entry_commits_and_rolls_back_with_the_job_row(database, session, users):
    queue = JobQueue(database, "worker")

    def queued() -> int:
        session.rollback()
        return session.scalar(text("SELECT count(*) FROM procrastinate_jobs"))

    with pytest.raises(RuntimeError):
        with write_transaction(session):
            job = Job(kind="slutredovisning", params={}, params_key="{}", fingerprint="x",
                      requested_by_id=users["owner"].id, state="queued", progress=0)
            session.add(job)
            session.flush()
            queue.enqueue(session, job.id)
            raise RuntimeError("the change that asked for the job failed")
    assert queued() == 0 and _jobs(session) == []
    answer = request_document(session, users["owner"], "slutredovisning", {}, queue)
    assert queued() == 1
    run_waiting_jobs(queue)
    assert [j.state for j in _jobs(session)] == ["done"] and answer.job.id == _jobs(session)[0].id


def test_operators_see_waiting_jobs_and_the_queue_in_readiness(app, client, session, users, settings, database):
    from kfflow.jobs.queue import _queue_reachable
    from tests.test_operations import _samples

    hold_jobs(app)
    assert client.get("/atgarder").status_code in (200, 302)  # any request: the app is up
    request_document(session, users["owner"], "slutredovisning", {}, app.extensions["kfflow_jobs"])
    samples = _samples(client.get("/metrics").get_data(as_text=True), "kfflow_job")
    assert samples['kfflow_jobs{state="queued"}'] == 1 and samples['kfflow_jobs{state="running"}'] == 0
    assert samples["kfflow_job_oldest_waiting_seconds"] >= 0
    # Worker mode needs procrastinate's table in the database (the test database has it, as after 0004_jobs).
    assert _queue_reachable(database, settings) is None
