"""A database session per request, closed when the request ends."""
from __future__ import annotations

from flask import current_app, g
from sqlalchemy.orm import Session


def get_session() -> Session:
    if "db_session" not in g:
        g.db_session = current_app.extensions["kfflow_db"].session()
    return g.db_session


def _close(_exc=None):
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def init_app(app) -> None:
    app.teardown_appcontext(_close)
