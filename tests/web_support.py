"""Helpers for the web interface tests: sign a test client in without the (slow) password check."""
from __future__ import annotations

import re

from kfflow.services.auth_sessions import start_session

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def sign_in(app, session, user):
    """A test client holding a fresh server-side session for `user`, as after a real sign-in."""
    client = app.test_client()
    token = start_session(session, user)
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = token
        flask_session["_fresh"] = True
    return client


def csrf_token(html: str) -> str:
    match = CSRF_FIELD.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)
