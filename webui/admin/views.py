from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from kfflow.errors import ValidationError
from kfflow.services.access import require
from kfflow.services.credentials import reset_password
from kfflow.services.api_keys import recent_account_events
from kfflow.services.outbox import failed_mail
from kfflow.services.service_accounts import (create_service_account, create_service_key, revoke_service_key,
                                              service_account, service_accounts, set_service_account_active)
from kfflow.services.users import create_user, set_active, set_role, users_and_bodies
from kfflow.workflow import get_workflows
from kfflow.workflow.definition import FieldDef, Option
from webui.admin import bp
from webui.api_keys.views import key_form_values, max_days
from webui.auth import current_actor
from webui.db import get_session


@bp.before_request
def _admins_only():
    require(current_actor(), "administer")


def _role_field() -> FieldDef:
    return FieldDef("role", "choice", _("Roll"), options=tuple(
        Option(r.name, r.label) for r in get_workflows().roles.values()))


def _render_users(values=None, errors=None, message=None, status=200, one_time=None, reset_errors=None):
    users, bodies = users_and_bodies(get_session(), current_actor())
    return render_template("admin/users.html", users=users, roles=get_workflows().roles, bodies=bodies,
                           role_field=_role_field(),
                           values=values or {}, errors=errors or {}, message=message, one_time=one_time,
                           reset_errors=reset_errors or {}), status


@bp.route("/anvandare", methods=["GET", "POST"])
def users():
    if request.method == "GET":
        return _render_users()
    values = request.form.to_dict()
    try:
        user = create_user(get_session(), current_actor(), username=values.get("username", ""),
                           role=values.get("role", ""), display_name=values.get("display_name") or None,
                           email=values.get("email") or None, password=values.get("password") or None,
                           body=values.get("body") or None)
    except ValidationError as exc:
        values.pop("password", None)
        return _render_users(values, exc.fields, exc.message, 422)
    flash(_("Användaren %(username)s är skapad.", username=user.username), "success")
    return redirect(url_for("admin.users"))


@bp.route("/anvandare/<int:user_id>/aktiv", methods=["POST"])
def set_user_active(user_id: int):
    active = request.form.get("active") == "1"
    user = set_active(get_session(), current_actor(), user_id, active)
    flash(_("%(name)s är aktiverad.", name=user.display_name) if active
          else _("%(name)s är inaktiverad och utloggad.", name=user.display_name), "success")
    return redirect(url_for("admin.users"))


@bp.route("/anvandare/<int:user_id>/roll", methods=["POST"])
def set_user_role(user_id: int):
    try:
        user = set_role(get_session(), current_actor(), user_id, request.form.get("role", ""))
    except ValidationError as exc:
        return _render_users(message=exc.message, status=422, reset_errors={user_id: exc.fields.get("role")})
    flash(_("%(name)s har nu rollen %(role)s.", name=user.display_name,
            role=get_workflows().roles[user.role].label), "success")
    return redirect(url_for("admin.users"))


@bp.route("/anvandare/<int:user_id>/losenord", methods=["POST"])
def reset_user_password(user_id: int):
    """A one-time password (the admin's own choice, or generated), shown this once on the page, never stored
    in the cookie; the user chooses their own at the next sign-in."""
    try:
        password = reset_password(get_session(), current_actor(), user_id, request.form.get("password") or None)
    except ValidationError as exc:
        return _render_users(message=exc.message, status=422, reset_errors={user_id: exc.fields.get("password")})
    return _render_users(one_time={"user_id": user_id, "password": password})


@bp.route("/roller")
def roles():
    return render_template("admin/roles.html", roles=get_workflows().roles)


@bp.route("/organ")
def bodies():
    return render_template("admin/bodies.html", bodies=users_and_bodies(get_session(), current_actor())[1])


@bp.route("/e-post")
def mail():
    count, failed = failed_mail(get_session(), current_actor())
    return render_template("admin/mail.html", count=count, failed=failed)


def _render_service_accounts(values=None, errors=None, message=None, status=200):
    return render_template("admin/service_accounts.html", accounts=service_accounts(get_session(), current_actor()),
                           roles=get_workflows().roles, role_field=_role_field(), values=values or {},
                           errors=errors or {}, message=message), status


@bp.route("/tjanstekonton", methods=["GET", "POST"])
def service_account_list():
    if request.method == "GET":
        return _render_service_accounts()
    values = request.form.to_dict()
    try:
        account = create_service_account(get_session(), current_actor(), username=values.get("username", ""),
                                         role=values.get("role", ""), display_name=values.get("display_name") or None)
    except ValidationError as exc:
        return _render_service_accounts(values, exc.fields, exc.message, 422)
    flash(_("Tjänstekontot %(username)s är skapat. Ge det en API-nyckel nedan.", username=account.username),
          "success")
    return redirect(url_for("admin.service_account_page", account_id=account.id))


def _render_service_account(account_id: int, *, values=None, errors=None, message=None, new_key=None, status=200):
    found = service_account(get_session(), current_actor(), account_id)
    return render_template("admin/service_account.html", account=found.account, keys=found.keys, new_key=new_key,
                           roles=get_workflows().roles, values=values or key_form_values(), errors=errors or {},
                           message=message, max_days=max_days(),
                           revoke_url=lambda key_id: url_for("admin.revoke_service_account_key",
                                                             account_id=account_id, token_id=key_id)), status


@bp.route("/tjanstekonton/<int:account_id>", methods=["GET", "POST"])
def service_account_page(account_id: int):
    """The account, its live keys, and the form that gives it a new one (shown once, on this page)."""
    if request.method == "GET":
        return _render_service_account(account_id)
    values = key_form_values(request.form)
    try:
        made = create_service_key(get_session(), current_actor(), account_id, values["name"], values["expires"],
                                  max_days=max_days())
    except ValidationError as exc:
        return _render_service_account(account_id, values=values, errors=exc.fields, message=exc.message,
                                       status=422)
    return _render_service_account(account_id, new_key=made)


@bp.route("/tjanstekonton/<int:account_id>/aktiv", methods=["POST"])
def set_service_account_active_page(account_id: int):
    active = request.form.get("active") == "1"
    account = set_service_account_active(get_session(), current_actor(), account_id, active)
    flash(_("Tjänstekontot %(name)s är aktiverat.", name=account.username) if active
          else _("Tjänstekontot %(name)s är inaktiverat; dess API-nycklar gäller inte längre.", name=account.username),
          "success")
    return redirect(url_for("admin.service_account_page", account_id=account_id))


@bp.route("/tjanstekonton/<int:account_id>/nycklar/<int:token_id>/aterkalla", methods=["POST"])
def revoke_service_account_key(account_id: int, token_id: int):
    revoke_service_key(get_session(), current_actor(), account_id, token_id)
    flash(_("API-nyckeln är återkallad och slutar gälla nu."), "success")
    return redirect(url_for("admin.service_account_page", account_id=account_id))


@bp.route("/kontohandelser")
def account_events():
    return render_template("admin/account_events.html", events=recent_account_events(get_session(), current_actor()))
