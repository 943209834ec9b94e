from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from kfflow.errors import TooManyAttempts
from kfflow.services.auth_sessions import end_session, sign_in
from webui.auth import WebUser, bp, safe_next
from webui.db import get_session


@bp.route("/logga-in", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(url_for("start.index"))
        return render_template("auth/login.html", username="", error=None, next=safe_next(request.args.get("next")))
    username = request.form.get("username", "")
    next_path = safe_next(request.form.get("next"))
    try:
        result = sign_in(get_session(), username, request.form.get("password", ""), request.remote_addr)
    except TooManyAttempts as exc:
        page = render_template("auth/login.html", username=username, next=next_path, error=exc.message)
        return page, 429, {"Retry-After": str(exc.retry_after)}
    if result is None:
        return render_template("auth/login.html", username=username, next=next_path,
                               error=_("Fel användarnamn eller lösenord.")), 401
    # A new session from scratch: nothing from before the sign-in carries over (session fixation).
    session.clear()
    login_user(WebUser(result.user, result.token))
    return redirect(next_path)


@bp.route("/logga-ut", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        end_session(get_session(), current_user.token)
    logout_user()
    session.clear()
    flash(_("Du är utloggad."), "info")
    return redirect(url_for("auth.login"))
