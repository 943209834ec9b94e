"""/healthz, /readyz, /metrics and the request id, on the app as it is built for serving."""
from __future__ import annotations

import io
import json
import logging

import pytest
from pydantic import SecretStr
from sqlalchemy import create_engine, text

from kfflow.database import Database
from kfflow.logs import configure_logging
from kfflow.operations import READINESS_CHECKS


@pytest.fixture
def at_head(db_url):
    """The test database stamped as migrated to head (its tables are the models' own; test_migrations checks
    that they match), and unstamped afterwards."""
    from alembic import command

    from kfflow.migrate import alembic_config

    command.stamp(alembic_config(db_url), "head")
    yield db_url
    engine = create_engine(db_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()


def test_healthz_answers_without_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_readyz_is_ready_at_head_and_names_a_failing_registered_check(client, at_head, monkeypatch):
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.json
    assert ready.json["status"] == "ready" and set(ready.json["checks"]) >= {"database", "migrations"}

    # The hook a job queue uses: a registered check that fails makes the node unready, by name.
    monkeypatch.setitem(READINESS_CHECKS, "queue", lambda db, settings: "broker at 127.0.0.1:1 refused")
    unready = client.get("/readyz")
    assert unready.status_code == 503
    assert unready.json["failing"] == ["queue"]
    assert unready.json["checks"]["queue"] == {"ok": False, "detail": "broker at 127.0.0.1:1 refused"}


def test_readyz_is_unavailable_behind_on_migrations(client):
    response = client.get("/readyz")  # the test schema was made without Alembic: no revision recorded
    assert response.status_code == 503 and response.json["failing"] == ["migrations"]
    assert "no revision" in response.json["checks"]["migrations"]["detail"]


def test_readyz_is_unavailable_without_a_database(settings):
    from webui import create_app

    unreachable = Database.connect("postgresql://postgres@127.0.0.1:1/kfflow")
    app = create_app(settings, database=unreachable, config={"TESTING": True})
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    # The job queue lives in that database too when jobs run in workers (KFFLOW_JOBS=worker).
    queue = ["queue"] if settings.jobs_mode == "worker" else []
    assert response.json["failing"] == ["database", "migrations"] + queue
    assert response.json["checks"]["database"]["detail"].startswith("OperationalError")


def _samples(body: str, name: str) -> dict[str, float]:
    return {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1]) for line in body.splitlines()
            if line.startswith(name)}


def test_metrics_from_requests_and_the_database(client, session, users, db_url, settings):
    from datetime import timedelta

    from kfflow.db import utcnow
    from kfflow.models import OutboxMessage
    from kfflow.reminders.rules import load_reminder_rules
    from kfflow.reminders.runner import run_sweep
    from kfflow.reminders.scheduler import SchedulerLock
    from kfflow.workflow import get_workflows
    from tests.conftest import NOW, WORKFLOWS_PATH

    before = _samples(client.get("/metrics").get_data(as_text=True), "kfflow_")
    assert before["kfflow_scheduler_leader"] == 0
    assert before['kfflow_outbox_messages{status="failed"}'] == 0
    assert str(before["kfflow_reminder_sweep_age_seconds"]) == "nan"  # never swept

    for i, status in enumerate(("pending", "pending", "failed")):
        session.add(OutboxMessage(rule="r", case_kind="measure", case_id=1, occurrence=f"o{i}",
                                  occurs_on=NOW.date(), recipient_id=users["owner"].id, status=status,
                                  next_attempt_at=utcnow(), subject="s", reason="r", case_title="t",
                                  anchor_date=NOW.date()))
    session.commit()
    database = Database.connect(db_url)
    run_sweep(database, load_reminder_rules(WORKFLOWS_PATH, get_workflows()), NOW, mailer=None)
    lock = SchedulerLock(database, settings.instance_path / "scheduler.lock")
    assert lock.try_acquire()
    try:
        for _ in range(3):
            assert client.get("/kalender/not-a-real-token.ics").status_code == 404
        client.open("/healthz", method="BREW")  # any method name a client invents is one label, "other"
        body = client.get("/metrics").get_data(as_text=True)
    finally:
        lock.release()
        database.dispose()
    after = _samples(body, "kfflow_")
    assert after["kfflow_scheduler_leader"] == 1
    assert after['kfflow_outbox_messages{status="pending"}'] == 2
    assert after['kfflow_outbox_messages{status="failed"}'] == 1
    assert 0 <= after["kfflow_reminder_sweep_age_seconds"] < timedelta(minutes=1).total_seconds()
    # Latency by route template: the calendar token never becomes a label.
    feed = 'kfflow_http_request_duration_seconds_count{method="GET",route="/kalender/<token>.ics",status="404"}'
    assert after[feed] - before.get(feed, 0) == 3
    assert "not-a-real-token" not in body and "BREW" not in body
    assert any(k.startswith('kfflow_http_request_duration_seconds_count{method="other"') for k in after)
    assert all(v == 1 for k, v in after.items() if k.startswith("kfflow_metric_source_up"))


def test_metrics_token(make_web_app, settings):
    app = make_web_app()
    app.config["KFFLOW_SETTINGS"] = settings.model_copy(update={"metrics_token": SecretStr("scrape-me-0123")})
    client = app.test_client()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    ok = client.get("/metrics", headers={"Authorization": "Bearer scrape-me-0123"})
    assert ok.status_code == 200 and ok.mimetype == "text/plain" and "kfflow_outbox_messages" in ok.get_data(as_text=True)


def test_request_id_is_honoured_or_generated_and_in_the_json_log(client, settings, monkeypatch):
    stream = io.StringIO()
    configure_logging(settings.model_copy(update={"log_format": "json", "log_level": "INFO"}), stream=stream)
    try:
        monkeypatch.setitem(READINESS_CHECKS, "queue", lambda db, s: "queue down")
        given = client.get("/readyz", headers={"X-Request-ID": "lb-1234.abc"})
        generated = client.get("/healthz")
        injected = client.get("/healthz", headers={"X-Request-ID": "evil id; " + "z" * 200})
    finally:
        configure_logging(settings)
        logging.getLogger().setLevel(logging.WARNING)
    assert given.headers["X-Request-ID"] == "lb-1234.abc"
    assert len(generated.headers["X-Request-ID"]) == 32
    assert injected.headers["X-Request-ID"] not in ("", "evil id; " + "z" * 200)
    records = [json.loads(line) for line in stream.getvalue().splitlines()]
    queue = [r for r in records if "readiness check queue failed" in r["message"]]
    assert queue and queue[0]["request_id"] == "lb-1234.abc" and queue[0]["level"] == "WARNING"


def test_an_error_in_the_calendar_feed_is_logged_without_its_token(client, settings, monkeypatch):
    """The app's own log (the 500 handler logs the path and the traceback) goes through the same redaction."""
    import webui.calendar

    token = "Zq3-feed-token-that-must-not-leak"

    def broken(session, feed_token, **kw):
        raise RuntimeError(f"upstream said: Authorization: Bearer {token}x; "
                           "smtp://kfflow:smtp-secret@mail.example:25")

    monkeypatch.setattr(webui.calendar, "calendar_for_token", broken)
    stream = io.StringIO()
    for log_format in ("json", "text"):
        configure_logging(settings.model_copy(update={"log_format": log_format}), stream=stream)
        try:
            assert client.get(f"/kalender/{token}.ics").status_code == 500
        finally:
            configure_logging(settings)
    output = stream.getvalue()
    assert "unexpected error on GET /kalender/[REDACTED].ics" in output and "Traceback" in output
    assert token not in output and "smtp-secret" not in output
    assert "Bearer [REDACTED]" in output and "smtp://kfflow:[REDACTED]@mail.example" in output
