"""Signing in and out: argon2 passwords, server-side sessions, throttle, CSRF, cookies and headers."""
from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from kfflow.db import write_transaction
from kfflow.errors import TooManyAttempts
from kfflow.models import Comment, LoginSession, SignInFailure
from kfflow.services.auth_sessions import IDLE_TIMEOUT, sign_in as service_sign_in, signed_in, start_session
from kfflow.services.throttle import MAX_PER_ACCOUNT_AND_ADDRESS, MAX_PER_ADDRESS, WINDOW
from kfflow.services.users import set_active
from tests.conftest import NOW, TEST_PASSWORD
from tests.factories import measure_in_state
from tests.web_support import csrf_token, sign_in


def _login(client, username, password=TEST_PASSWORD, **extra):
    page = client.get("/logga-in")
    return client.post("/logga-in", data={"username": username, "password": password,
                                          "csrf_token": csrf_token(page.get_data(as_text=True)), **extra})


def test_login_starts_a_new_server_side_session_and_logout_ends_it(make_web_app, session, users):
    app = make_web_app()
    client = app.test_client()
    with client.session_transaction() as before:
        before["planted"] = "by an attacker"  # anything set before sign-in must not survive it
    response = _login(client, "owner", next="/atgarder")
    assert response.status_code == 302 and response.headers["Location"] == "/atgarder"
    with client.session_transaction() as after:
        token = after["_user_id"]
        assert "planted" not in after
    session.rollback()
    assert session.scalar(select(func.count(LoginSession.id)).where(LoginSession.user_id == users["owner"].id)) == 1
    assert signed_in(session, token) is not None
    # A second sign-in gets another identifier.
    other = app.test_client()
    _login(other, "owner")
    with other.session_transaction() as s2:
        assert s2["_user_id"] != token

    stolen = app.test_client()  # a copy of the cookie taken while signed in
    with stolen.session_transaction() as s:
        s["_user_id"] = token
    assert stolen.get("/").status_code == 200
    page = client.get("/").get_data(as_text=True)
    assert client.post("/logga-ut", data={"csrf_token": csrf_token(page)}).status_code == 302
    assert client.get("/").status_code == 302
    assert stolen.get("/").status_code == 302, "logout must end the session on the server, not only in the cookie"


def test_login_refuses_an_outside_next_url(make_web_app, users):
    client = make_web_app().test_client()
    response = _login(client, "owner", next="//evil.example/")
    assert response.headers["Location"] == "/"


def test_deactivating_a_user_ends_their_sessions_at_once(make_web_app, session, users):
    app = make_web_app()
    client = sign_in(app, session, users["owner"])
    assert client.get("/atgarder").status_code == 200
    set_active(session, users["admin"], users["owner"].id, False)
    response = client.get("/atgarder")
    assert response.status_code == 302 and "/logga-in" in response.headers["Location"]


def test_admin_deactivation_revokes_session_records(make_web_app, session, users):
    app = make_web_app()
    victim = sign_in(app, session, users["owner"])
    admin = sign_in(app, session, users["admin"])
    assert admin.post(f"/admin/anvandare/{users['owner'].id}/aktiv", data={"active": "0"}).status_code == 302
    session.rollback()
    live = session.scalar(select(func.count(LoginSession.id)).where(
        LoginSession.user_id == users["owner"].id, LoginSession.revoked_at.is_(None)))
    assert live == 0
    set_active(session, users["admin"], users["owner"].id, True)
    assert victim.get("/").status_code == 302, "a revoked session stays ended even after reactivation"


def test_idle_session_expires(session, users):
    token = start_session(session, users["owner"], now=NOW)
    assert signed_in(session, token, now=NOW + IDLE_TIMEOUT - timedelta(minutes=1)) is not None
    assert signed_in(session, token, now=NOW + IDLE_TIMEOUT * 2 + timedelta(minutes=1)) is None


def test_only_a_hash_of_the_token_is_stored(session, users):
    token = start_session(session, users["owner"])
    stored = session.scalars(select(LoginSession.token_hash)).all()
    assert token not in stored and len(stored[0]) == 64


def test_wrong_password_is_refused_and_logged(make_web_app, users, caplog):
    client = make_web_app().test_client()
    with caplog.at_level(logging.WARNING, logger="kfflow.services.throttle"):
        response = _login(client, "owner", "not-the-password")
    assert response.status_code == 401
    assert "Fel användarnamn eller lösenord" in response.get_data(as_text=True)
    assert any("sign-in failed (web) for username='owner'" in r.getMessage() for r in caplog.records)


def test_throttle_refuses_the_next_attempt_with_retry_after_and_logs_it(make_web_app, users, caplog):
    client = make_web_app().test_client()
    for _ in range(MAX_PER_ACCOUNT_AND_ADDRESS):
        assert _login(client, "owner", "not-the-password").status_code == 401
    with caplog.at_level(logging.WARNING, logger="kfflow.services.throttle"):
        response = _login(client, "owner")  # even the right password
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= WINDOW.total_seconds()
    assert "För många misslyckade inloggningar. Försök igen om 15 minuter." in response.get_data(as_text=True)
    assert any("sign-in throttled (web) for username='owner'" in r.getMessage() for r in caplog.records)
    # Another user at another address is not affected.
    other = make_web_app().test_client()
    assert _login(other, "steering", environ_base={"REMOTE_ADDR": "10.1.1.1"}).status_code == 302


def test_throttle_per_address_and_window(session, users):
    # Recorded directly: each real failure costs an argon2 verification (tests/test_sign_in.py walks that path).
    with write_transaction(session):
        session.add_all(SignInFailure(username=f"guess{i}", address="10.0.0.9", channel="web",
                                      at=NOW - timedelta(minutes=1)) for i in range(MAX_PER_ADDRESS))
    with pytest.raises(TooManyAttempts):
        service_sign_in(session, "owner", TEST_PASSWORD, "10.0.0.9", now=NOW)
    assert service_sign_in(session, "owner", TEST_PASSWORD, "10.0.0.10", now=NOW) is not None
    later = NOW + timedelta(minutes=16)
    assert service_sign_in(session, "owner", TEST_PASSWORD, "10.0.0.9", now=later) is not None


def test_a_form_post_without_csrf_token_is_refused(make_web_app, session, users):
    app = make_web_app()
    m = measure_in_state(session, users, "decided")
    client = sign_in(app, session, users["contributor"], send_csrf=False)
    response = client.post(f"/atgarder/{m.id}/kommentar", data={"body": "Bra idé."})
    assert response.status_code == 400
    assert "Formuläret har gått ut" in response.get_data(as_text=True)
    assert session.scalar(select(func.count(Comment.id))) == 0
    page = client.get(f"/atgarder/{m.id}").get_data(as_text=True)
    response = client.post(f"/atgarder/{m.id}/kommentar", data={"body": "Bra idé.", "csrf_token": csrf_token(page)})
    assert response.status_code == 302
    session.rollback()  # end this test's read snapshot
    assert session.scalar(select(func.count(Comment.id))) == 1


def test_login_itself_needs_the_csrf_token(make_web_app, users):
    client = make_web_app().test_client(send_csrf=False)
    response = client.post("/logga-in", data={"username": "owner", "password": TEST_PASSWORD})
    assert response.status_code == 400


def test_security_headers_and_cookie_flags(make_web_app, users):
    app = make_web_app()
    client = app.test_client()
    response = client.get("/logga-in")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    response = _login(client, "owner")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie  # plain http: auto
    secure_client = make_web_app(KFFLOW_COOKIE_SECURE=True).test_client()
    assert "Secure" in secure_client.get("/logga-in").headers["Set-Cookie"]


def test_https_request_gets_secure_cookie_by_default(make_web_app, users):
    client = make_web_app().test_client()
    response = client.get("/logga-in", base_url="https://localhost")
    assert "Secure" in response.headers["Set-Cookie"]
    assert "Strict-Transport-Security" in response.headers
