"""Helpers for the web interface tests: sign a test client in without the (slow) password check, send
the CSRF token the way a browser does, and serve an app on loopback for real concurrent requests."""
from __future__ import annotations

import re
import threading

import argon2
import pytest
from flask.testing import FlaskClient
from werkzeug.serving import make_server

import kfflow.security
from kfflow.services.auth_sessions import start_session
from tests.conftest import TEST_PASSWORD

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
# Pages that carry a form with the token: the accessibility statement for a signed-in user (the sign-out
# form in the header), the sign-in page for anyone else.
TOKEN_PAGES = ("/tillganglighet", "/logga-in")
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class CsrfClient(FlaskClient):
    """The web test client: CSRF is enforced in the test app as in production, and this client, like a
    browser, sends the token it was given on a page with every form it posts (as the `csrf_token`
    field; as the X-CSRFToken header when the body is not a form). A test that wants a forged post
    asks for `app.test_client(send_csrf=False)`. The JSON API (bearer tokens) needs no token."""

    def __init__(self, *args, send_csrf: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.send_csrf = send_csrf
        self._csrf: tuple[str | None, str | None] = (None, None)   # (session's secret, token from a page)

    def open(self, *args, **kwargs):
        method = (kwargs.get("method") or "GET").upper()
        path = args[0] if args and isinstance(args[0], str) else None
        if self.send_csrf and method in UNSAFE_METHODS and path is not None and not path.startswith("/api/"):
            token = self.csrf_token()
            data = kwargs.get("data")
            if isinstance(data, dict):
                kwargs["data"] = {"csrf_token": token, **data}
            elif kwargs.get("json") is not None or data is None or isinstance(data, (str, bytes)):
                kwargs["headers"] = {"X-CSRFToken": token, **dict(kwargs.get("headers") or {})}
        return super().open(*args, **kwargs)

    def csrf_token(self) -> str:
        """The token a page of this browser session carries, fetched again when the session changed
        (signing in starts a new session, and with it a new secret)."""
        secret, token = self._csrf
        if token is None or secret is None or secret != self._session_secret():
            for page in TOKEN_PAGES:
                match = CSRF_FIELD.search(self.get(page).get_data(as_text=True))
                if match:
                    break
            assert match, f"no CSRF token on {TOKEN_PAGES}"
            self._csrf = (self._session_secret(), match.group(1))
        return self._csrf[1]

    def _session_secret(self) -> str | None:
        if self._cookies is None or not self._cookies:
            return None
        with self.session_transaction() as flask_session:
            return flask_session.get("csrf_token")


def sign_in(app, session, user, *, send_csrf: bool = True):
    """A test client holding a fresh server-side session for `user`, as after a real sign-in."""
    client = app.test_client(send_csrf=send_csrf)
    token = start_session(session, user)
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = token
        flask_session["_fresh"] = True
    return client


def csrf_token(html: str) -> str:
    match = CSRF_FIELD.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


class ServedApp:
    """An app under werkzeug's threaded server on a free loopback port: real sockets, real concurrency."""

    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "ServedApp":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)


@pytest.fixture(name="password_hash")
def cheapest_password_hash(monkeypatch):
    """Import into a test module that makes many password checks: argon2 at its cheapest there (the tests
    count checks and what they allow; the production parameters are argon2-cffi's and untouched)."""
    cheap = argon2.PasswordHasher.from_parameters(argon2.profiles.CHEAPEST)
    monkeypatch.setattr(kfflow.security, "_hasher", cheap)
    monkeypatch.setattr(kfflow.security, "_DUMMY_HASH", cheap.hash("kfflow-no-such-user"))
    return cheap.hash(TEST_PASSWORD)
