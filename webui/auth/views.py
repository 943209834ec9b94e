from __future__ import annotations

import logging

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from kfflow.errors import TooManyAttempts, ValidationError
from kfflow.services.auth_sessions import end_session, sign_in
from kfflow.services.credentials import (PasswordDoor, PasswordSignInOff, change_password,
                                        sign_out_everywhere as sign_out_all)
from webui.auth import WebUser, bp, current_actor, safe_next
from webui.auth.oidc import provider_client, provider_logout_url
from webui.db import get_session

log = logging.getLogger(__name__)


def _password_door() -> PasswordDoor:
    return PasswordDoor.from_settings(current_app.config["KFFLOW_SETTINGS"])


def _login_page(username: str, next_path: str, error: str | None):
    settings = current_app.config["KFFLOW_SETTINGS"]
    door = _password_door()
    return render_template("auth/login.html", username=username, error=error, next=next_path,
                           provider_name=settings.oidc_name if provider_client() else None,
                           local_login=door.open, break_glass=door.anyone_may_try and not door.open)


@bp.route("/logga-in", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(url_for("start.index"))
        return _login_page("", safe_next(request.args.get("next")), None)
    username = request.form.get("username", "")
    next_path = safe_next(request.form.get("next"))
    try:
        result = sign_in(get_session(), username, request.form.get("password", ""), request.remote_addr,
                         door=_password_door())
    except PasswordSignInOff as exc:
        return _login_page(username, next_path, exc.message), 403
    except TooManyAttempts as exc:
        page = _login_page(username, next_path, exc.message)
        return page, 429, {"Retry-After": str(exc.retry_after)}
    if result is None:
        return _login_page(username, next_path, _("Fel användarnamn eller lösenord.")), 401
    # A new session from scratch: nothing from before the sign-in carries over (session fixation).
    session.clear()
    login_user(WebUser(result.user, result.token))
    return redirect(next_path)


@bp.route("/logga-ut", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        end_session(get_session(), current_user.token)
    provider_logout = provider_logout_url()  # read before the session is cleared
    logout_user()
    session.clear()
    flash(_("Du är utloggad."), "info")
    return redirect(provider_logout or url_for("auth.login"))


def _render_account(errors=None, message=None, status=200):
    return render_template("auth/account.html", errors=errors or {}, message=message,
                           must_change=current_user.must_change_password), status


@bp.route("/konto", methods=["GET", "POST"])
def account():
    """Change one's own password (the session in use stays; every other one and every API token ends)."""
    if request.method == "GET":
        return _render_account()
    form = request.form
    if form.get("new_password", "") != form.get("repeat_password", ""):
        return _render_account({"repeat_password": _("Lösenorden är inte lika. Skriv samma nya lösenord två gånger.")},
                               _("Lösenordet kunde inte bytas."), 422)
    try:
        revoked = change_password(get_session(), current_actor(), form.get("current_password", ""),
                                  form.get("new_password", ""), address=request.remote_addr,
                                  keep_session_token=current_user.token)
    except ValidationError as exc:
        return _render_account(exc.fields, exc.message, 422)
    except TooManyAttempts as exc:
        page = _render_account({"current_password": exc.message}, _("Lösenordet kunde inte bytas."), 429)[0]
        return page, 429, {"Retry-After": str(exc.retry_after)}
    flash(_("Ditt lösenord är bytt. Du är utloggad på %(count)s andra ställen och dina API-nycklar gäller inte längre.",
            count=revoked.sessions), "success")
    return redirect(url_for("start.index"))


@bp.route("/konto/logga-ut-overallt", methods=["POST"])
def sign_out_everywhere():
    sign_out_all(get_session(), current_actor())
    logout_user()
    session.clear()
    flash(_("Du är utloggad överallt: i alla webbläsare och med alla API-nycklar."), "info")
    return redirect(url_for("auth.login"))
