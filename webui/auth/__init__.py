"""Signing in and out. Sessions live on the server (kfflow.services.auth_sessions): the cookie
carries a random token that Flask-Login uses as the user's id, so revoking the record, or
deactivating the user, ends the session on the very next request."""
from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, UserMixin, current_user

from kfflow.services.auth_sessions import signed_in
from webui.db import get_session

bp = Blueprint("auth", __name__, template_folder="templates")

# Pages anyone may open; every other page (the API keeps its own rules) requires a session.
PUBLIC_ENDPOINTS = {"auth.login", "auth.oidc_start", "auth.oidc_callback", "static", "accessibility.statement"}
# What a user signed in with a one-time password may open before choosing their own.
ONE_TIME_PASSWORD_ENDPOINTS = {"auth.account", "auth.logout", "auth.sign_out_everywhere"}
TOKEN_BLUEPRINTS = ("api", "documents", "calendar", "operations")


class WebUser(UserMixin):
    """The signed-in user of one request: the User row and the token of this browser's session."""

    def __init__(self, user, token: str, unread_notifications: int = 0):
        self.user = user
        self.token = token
        self.unread_notifications = unread_notifications  # for the header, read with the session

    def get_id(self) -> str:
        return self.token

    def __getattr__(self, name):
        return getattr(self.user, name)


def current_actor():
    """The User row of the signed-in user, to pass to services."""
    if not current_user.is_authenticated:
        abort(401)
    return current_user.user


def _load(token: str):
    found = signed_in(get_session(), token)
    return WebUser(found.user, token, found.unread_notifications) if found is not None else None


def _require_login():
    endpoint = request.endpoint or ""
    # The JSON API and its document routes authenticate with bearer tokens instead, the calendar feed
    # with the secret token in its URL, /metrics with its own token (/healthz and /readyz are open).
    if endpoint in PUBLIC_ENDPOINTS or request.blueprint in TOKEN_BLUEPRINTS:
        return None
    if request.endpoint is None:  # a 404: let the error page answer
        return None
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if current_user.must_change_password and endpoint not in ONE_TIME_PASSWORD_ENDPOINTS:
        # An admin's one-time password opens only the page where the user chooses their own.
        flash(_l("Du har fått ett engångslösenord. Välj ett eget lösenord innan du fortsätter."), "info")
        return redirect(url_for("auth.account"))
    return None


def safe_next(target: str | None) -> str:
    """Where to go after sign-in: `target` only when it is a path on this site, else the start page.

    Browsers forgive a lot in a Location header (they drop tabs and line breaks, read a backslash as a
    slash, take `//host` or `https:host` as another site), so anything that is not plainly a local
    path is refused rather than repaired: no scheme or host, no second slash or backslash at the
    start, no backslash anywhere, and no control, format or space characters at all."""
    plainly_local = (target and target.startswith("/") and not target.startswith("//") and "\\" not in target
                     and not any(unicodedata.category(char)[0] in "CZ" for char in target)
                     and not urlsplit(target).scheme and not urlsplit(target).netloc)
    return target if plainly_local else url_for("start.index")


def init_app(app) -> None:
    manager = LoginManager(app)
    manager.login_view = "auth.login"
    manager.login_message = _l("Logga in för att se sidan.")
    manager.login_message_category = "info"
    manager.user_loader(_load)
    app.before_request(_require_login)
    app.register_blueprint(bp)
    oidc.init_app(app)


from webui.auth import oidc, views  # noqa: E402,F401  (routes register on import)
