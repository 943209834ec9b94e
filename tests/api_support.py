"""A small client for the JSON API in tests (the `api` fixture): tokens per user, JSON in and out."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from kfflow.models import User
from kfflow.services.tokens import grant_token

from tests.conftest import TEST_PASSWORD


class Api:
    def __init__(self, client, session):
        self.client = client
        self.session = session
        self.tokens: dict[str, str] = {}

    def token(self, username: str) -> str:
        """A token granted directly (POST /tokens is tested on its own: argon2 is slow by design)."""
        if username not in self.tokens:
            user = self.session.scalar(select(User).where(User.username == username))
            self.tokens[username] = grant_token(self.session, user).token
        return self.tokens[username]

    def login(self, username: str, password: str = TEST_PASSWORD) -> str:
        r = self.client.post("/api/v1/tokens", json={"username": username, "password": password})
        assert r.status_code == 201, r.get_json()
        return r.get_json()["token"]

    def call(self, method: str, path: str, body=None, as_user: str | None = None, token: str | None = None,
             *, multipart: bool = False):
        """`multipart`: `body` is sent as multipart/form-data (a file part as `(file object, name)`)."""
        headers = {}
        if as_user is not None:
            token = self.token(as_user)
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        kwargs = {}
        if body is not None:
            kwargs = {"data": body, "content_type": "multipart/form-data"} if multipart else {"json": body}
        r = self.client.open("/api/v1" + path, method=method, headers=headers, **kwargs)
        return r.status_code, r.get_json(silent=True)


def days_ahead(days: int = 30) -> str:
    """A due date after the real clock the API runs on."""
    return (date.today() + timedelta(days=days)).isoformat()
