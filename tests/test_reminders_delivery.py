"""Exactly once under concurrency, SMTP outages with backoff, crashed senders, and the CLI's exit codes."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from kfflow.cli import main
from kfflow.database import Database
from kfflow.db import write_transaction
from kfflow.models import OutboxMessage

from tests.conftest import future
from tests.factories import measure_in_state
from kfflow.reminders.delivery import backoff

from tests.reminders_support import at, rules, sweep

KFFLOW = os.path.join(os.path.dirname(sys.executable), "kfflow")


def _closed_port_url() -> str:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens here now
    return f"smtp://127.0.0.1:{port}"


def _measures(session, users, n: int):
    owners = [users["owner"], users["other_owner"]]
    return [measure_in_state(session, users, "decided", title=f"Åtgärd {i}", owner=owners[i % 2]) for i in range(n)]


def _outbox(session):
    session.rollback()
    return session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def _assert_one_mail_per_key(session, smtp_server, expected: int):
    subjects = [(tuple(rcpt), m["Subject"]) for rcpt, m in smtp_server.messages]
    assert len(subjects) == expected, subjects
    assert len(set(subjects)) == expected
    rows = _outbox(session)
    assert len(rows) == expected and {r.status for r in rows} == {"sent"}


def test_two_sweep_processes_at_once_send_one_mail_per_key(session, users, db_url, tmp_path, smtp_server):
    _measures(session, users, 6)
    env = dict(os.environ, KFFLOW_DATABASE_URL=db_url, KFFLOW_SMTP_URL=smtp_server.url,
               KFFLOW_INSTANCE=str(tmp_path / "instance"))
    now = at(future(), days=-3).replace(tzinfo=None).isoformat()
    procs = [subprocess.Popen([KFFLOW, "remind", "--once", "--now", now], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    _assert_one_mail_per_key(session, smtp_server, 6)
    assert sum(out.count("Skickat till") for out, _ in outputs) == 6


def test_concurrent_sweeps_in_threads_with_their_own_engines(session, users, db_url, smtp_server):
    _measures(session, users, 8)
    now = at(future(), days=-3)
    start = threading.Barrier(4)
    errors = []

    def run():
        db = Database.connect(db_url)
        try:
            start.wait()
            sweep(db, now, smtp_server)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            db.dispose()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    _assert_one_mail_per_key(session, smtp_server, 8)


def test_smtp_down_then_up_delivers_every_mail_once_with_backoff(session, users, database, smtp_server):
    _measures(session, users, 3)
    t0 = at(future(), days=-3)
    down = sweep(database, t0, _closed_port_url())
    assert down.all_failed and down.delivery.sent == []
    rows = _outbox(session)
    assert len(rows) == 3 and {r.status for r in rows} == {"pending"}
    failed_ids = {r.id for r in rows if r.attempts == 1}
    assert failed_ids and all(r.last_error and r.next_attempt_at == t0 + timedelta(minutes=5)
                              for r in rows if r.id in failed_ids)
    # Up again, but inside the backoff: the rows that failed wait; the untried ones go now.
    sweep(database, t0 + timedelta(minutes=1), smtp_server)
    assert {r.status for r in _outbox(session) if r.id in failed_ids} == {"pending"}
    sweep(database, t0 + timedelta(minutes=6), smtp_server)
    sweep(database, t0 + timedelta(hours=2), smtp_server)
    _assert_one_mail_per_key(session, smtp_server, 3)


def test_backoff_doubles_up_to_the_configured_maximum():
    r = rules()
    assert [backoff(r, n) for n in (1, 2, 3, 7, 12)] == [timedelta(minutes=m) for m in (5, 10, 20, 320, 360)]


def test_a_row_that_keeps_failing_is_marked_failed_after_max_attempts(session, users, database):
    measure_in_state(session, users, "decided")
    t = at(future(), days=-3)
    for _ in range(rules().max_attempts):
        sweep(database, t, _closed_port_url())
        t += timedelta(hours=7)
    row = _outbox(session)[0]
    assert (row.status, row.attempts) == ("failed", rules().max_attempts) and "refused" in row.last_error


def test_a_stale_claim_of_a_crashed_sender_is_taken_over_after_the_timeout(session, users, database, smtp_server):
    measure_in_state(session, users, "decided")
    t0 = at(future(), days=-3)
    sweep(database, t0, None)  # queued, no SMTP configured
    session.rollback()
    with write_transaction(session):
        session.execute(update(OutboxMessage).values(status="sending", claim_token="crashed", claimed_at=t0))
    sweep(database, t0 + timedelta(minutes=5), smtp_server)
    assert smtp_server.messages == []  # the claim is still fresh: its sender may be working on it
    sweep(database, t0 + timedelta(minutes=16), smtp_server)
    _assert_one_mail_per_key(session, smtp_server, 1)


def test_a_later_occurrence_supersedes_an_unsent_earlier_one(session, users, database, smtp_server):
    measure_in_state(session, users, "decided")
    due = future()
    sweep(database, at(due, days=-14), None)   # queued while mail was not configured
    sweep(database, at(due, days=-3), smtp_server)
    mails = smtp_server.to("owner@example.org")
    assert len(mails) == 1 and "om 3 dagar" in mails[0].get_body(("plain",)).get_content()
    assert sorted(r.status for r in _outbox(session)) == ["sent", "superseded"]


def _cli(db_url, tmp_path, smtp_url, *args):
    env = {"KFFLOW_DATABASE_URL": db_url, "KFFLOW_INSTANCE": str(tmp_path / "instance"), "KFFLOW_SMTP_URL": smtp_url}
    return CliRunner().invoke(main, ["remind", *args], env=env)


def test_cli_exits_non_zero_when_every_send_failed(session, users, db_url, tmp_path, smtp_server):
    measure_in_state(session, users, "decided")
    now = at(future(), days=-3).replace(tzinfo=None).isoformat()
    down = _cli(db_url, tmp_path, _closed_port_url(), "--once", "--now", now)
    assert down.exit_code == 1
    assert "Inget e-postmeddelande kunde skickas" in down.output and "skickas igen" in down.output
    up = _cli(db_url, tmp_path, smtp_server.url, "--once", "--now", now.replace("T08:00", "T09:00"))
    assert up.exit_code == 0, up.output
    assert "Skickat till owner@example.org" in up.output
    assert len(smtp_server.messages) == 1


def test_cli_rejects_a_bad_time_and_a_missing_once(db_url, tmp_path, smtp_server):
    bad = _cli(db_url, tmp_path, smtp_server.url, "--once", "--now", "i morgon")
    assert bad.exit_code == 2 and "inte en ISO-tidpunkt" in bad.output
    assert _cli(db_url, tmp_path, smtp_server.url).exit_code == 2


def test_smtp_url_forms():
    from kfflow.reminders.mail import SmtpConfigError, SmtpSettings

    plain = SmtpSettings.from_url("smtp://127.0.0.1:2525")
    assert (plain.host, plain.port, plain.ssl, plain.starttls, plain.username) == ("127.0.0.1", 2525, False, False, None)
    tls = SmtpSettings.from_url("smtps://kf%40region.se:p%C3%A5ss%2Fw@mail.region.se")
    assert (tls.port, tls.ssl, tls.username, tls.password) == (465, True, "kf@region.se", "påss/w")
    assert "påss" not in repr(tls)
    assert SmtpSettings.from_url("smtp://mail:587?starttls=1").starttls
    for bad in ("http://mail:25", "smtp://", "mail:25"):
        try:
            SmtpSettings.from_url(bad)
        except SmtpConfigError:
            continue
        raise AssertionError(f"{bad} accepted")
    with pytest.raises(SmtpConfigError) as refused:
        SmtpSettings.from_url("http://kf:hunter2@mail:25")
    assert "hunter2" not in str(refused.value) and "kf:***@mail" in str(refused.value)


def test_cli_with_a_bad_smtp_url_says_so(db_url, tmp_path):
    result = _cli(db_url, tmp_path, "http://kf:hunter2@mail:25", "--once")
    assert result.exit_code == 2 and "KFFLOW_SMTP_URL: must be smtp://" in result.output
    assert "hunter2" not in result.output  # the password is never printed back


# Loopback test server only: AUTH without TLS is what aiosmtpd rightly warns about in production.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_mail_is_sent_with_login_when_the_url_has_a_user(session, users, database):
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    from tests.conftest import _SmtpInbox

    logins = []

    def authenticator(server, session_, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"kf", b"hemligt")
        logins.append(ok)
        return AuthResult(success=ok)

    inbox = _SmtpInbox()
    port = int(_closed_port_url().rsplit(":", 1)[1])
    controller = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=authenticator,
                            auth_required=True, auth_require_tls=False)
    controller.start()
    try:
        measure_in_state(session, users, "decided")
        anonymous = sweep(database, at(future(), days=-3), f"smtp://127.0.0.1:{port}")
        assert anonymous.all_failed and inbox.messages == []
        right = sweep(database, at(future(), 9, days=-3), f"smtp://kf:hemligt@127.0.0.1:{port}")
        assert len(right.delivery.sent) == 1 and len(inbox.to("owner@example.org")) == 1
        assert logins == [True]
    finally:
        controller.stop()
