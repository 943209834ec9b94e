"""Mail that cannot block mail: one message that cannot be built or is refused for good is marked failed,
logged and shown to admins, and everyone's other reminders still go out (real SMTP server: aiosmtpd)."""
from __future__ import annotations

import logging
from datetime import timedelta

from click.testing import CliRunner
from sqlalchemy import select, update

from kfflow.cli import main
from kfflow.db import write_transaction
from kfflow.models import Measure, OutboxMessage, User

from tests.conftest import future
from tests.factories import measure_in_state
from tests.reminders_support import at, sweep
from tests.web_support import sign_in

POISON = "Poison\nBcc: x@evil.example"


def _remind(db_url, tmp_path, smtp_server, now):
    env = {"KFFLOW_DATABASE_URL": db_url, "KFFLOW_INSTANCE": str(tmp_path / "instance"),
           "KFFLOW_SMTP_URL": smtp_server.url}
    return CliRunner().invoke(main, ["remind", "--once", "--now", now.replace(tzinfo=None).isoformat()], env=env)


def _set(session, model, where, **values):
    """Old data, written past the services as an earlier version (or a hand edit) may have left it."""
    session.rollback()
    with write_transaction(session):
        session.execute(update(model).where(where).values(**values))


def _rows(session):
    session.rollback()
    return session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def test_a_title_with_a_header_injection_in_the_database_is_sent_safely_and_blocks_nothing(
        session, users, db_url, tmp_path, smtp_server):
    poisoned = measure_in_state(session, users, "decided", title="Förgiftad")
    measure_in_state(session, users, "decided", title="Andra åtgärden")
    measure_in_state(session, users, "decided", title="Någon annans", owner=users["other_owner"])
    _set(session, Measure, Measure.id == poisoned.id, title=POISON)

    result = _remind(db_url, tmp_path, smtp_server, at(future(), days=-3))

    assert result.exit_code == 0, result.output
    assert "3 skickade, 0 misslyckade" in result.output
    recipients = {address for rcpt, _message in smtp_server.messages for address in rcpt}
    assert recipients == {"owner@example.org", "other_owner@example.org"}
    for _rcpt, message in smtp_server.messages:
        assert message["Bcc"] is None and "\n" not in message["Subject"]
    assert any("Poison Bcc: x@evil.example" in m["Subject"] for m in smtp_server.to("owner@example.org"))
    assert {r.status for r in _rows(session)} == {"sent"}


def test_a_mail_that_cannot_be_built_fails_at_once_is_logged_and_shown_to_admins(
        session, users, db_url, tmp_path, smtp_server, app, api, caplog):
    measure_in_state(session, users, "decided", title="Första")
    measure_in_state(session, users, "decided", title="Andra")
    measure_in_state(session, users, "decided", title="Någon annans", owner=users["other_owner"])
    _set(session, User, User.id == users["owner"].id, email="owner@example.org\nBcc: x@evil.example")

    with caplog.at_level(logging.WARNING, logger="kfflow.reminders.delivery"):
        result = _remind(db_url, tmp_path, smtp_server, at(future(), days=-3))

    assert result.exit_code == 0, result.output
    assert "1 skickade, 2 misslyckade" in result.output and "2 e-postmeddelanden kan inte skickas" in result.output
    assert [rcpt for rcpt, _m in smtp_server.messages] == [["other_owner@example.org"]]
    owners_rows = [r for r in _rows(session) if r.recipient_id == users["owner"].id]
    assert [(r.status, r.attempts) for r in owners_rows] == [("failed", 1), ("failed", 1)]
    assert "cannot build the message" in owners_rows[0].last_error
    assert "cannot be delivered, marked failed" in caplog.text

    # Failed for good: the next sweep does not try again.
    again = _remind(db_url, tmp_path, smtp_server, at(future(), days=-3) + timedelta(hours=8))
    assert again.exit_code == 0 and [(r.status, r.attempts) for r in _rows(session)
                                     if r.recipient_id == users["owner"].id] == [("failed", 1), ("failed", 1)]

    admin = sign_in(app, session, users["admin"])
    page = admin.get("/admin/e-post")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Påminnelser som inte kunde skickas: 2." in html and "Första" in html and "Andra" in html
    assert sign_in(app, session, users["owner"]).get("/admin/e-post").status_code == 403
    status, body = api.call("GET", "/admin/failed-mail", as_user="admin")
    assert status == 200 and body["total"] == 2 and {m["recipient"] for m in body["items"]} == {"Test owner"}
    assert all("cannot build" in m["last_error"] for m in body["items"])
    assert api.call("GET", "/admin/failed-mail", as_user="owner")[0] == 403


def test_a_permanent_refusal_fails_at_once_a_temporary_one_is_retried_and_others_still_go_out(
        session, users, database, smtp_server):
    measure_in_state(session, users, "decided", title="Till en okänd brevlåda")
    measure_in_state(session, users, "decided", title="Någon annans", owner=users["other_owner"])
    smtp_server.refuse["owner@example.org"] = "550 5.1.1 Mottagaren finns inte"
    t = at(future(), days=-3)

    result = sweep(database, t, smtp_server)

    assert len(result.delivery.sent) == 1 and len(result.delivery.undeliverable) == 1
    assert not result.all_failed
    rows = {r.recipient_id: r for r in _rows(session)}
    assert (rows[users["owner"].id].status, rows[users["owner"].id].attempts) == ("failed", 1)
    assert "550" in rows[users["owner"].id].last_error
    assert rows[users["other_owner"].id].status == "sent"

    measure_in_state(session, users, "decided", title="Senare", owner=users["other_owner"])
    smtp_server.refuse["other_owner@example.org"] = "451 4.3.0 Försök senare"
    result = sweep(database, t + timedelta(minutes=1), smtp_server)
    assert result.delivery.retrying == 1 and result.all_failed
    later = [r for r in _rows(session) if r.case_title == "Senare"][0]
    assert (later.status, later.attempts) == ("pending", 1)
