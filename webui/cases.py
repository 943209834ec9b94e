"""What case pages share: typed forms for transitions, and turning the domain's errors into a re-rendered form."""
from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from kfflow.errors import GuardFailed, StaleCase, ValidationError
from kfflow.services.case_pages import transition_page
from kfflow.services.cases import fire
from kfflow.workflow.definition import FieldDef
from kfflow.workflow.fields import to_record
from webui.auth import current_actor
from webui.db import get_session
from webui.errors import status_for
from webui.evidence import uploads_from_request


def form_value(value):
    """A case attribute as a form input shows it."""
    if value is None:
        return ""
    if isinstance(value, dict):  # a judgement {criterion: step}: the form picks each step
        return value
    if isinstance(value, list) and all(isinstance(v, dict) for v in value):  # signatories, one a line
        return "\n".join(f"{v['name']}, {v['title']}" if v.get("title") else v["name"] for v in value)
    return str(to_record(value))


def form_data() -> dict:
    """The posted form as the services take it: `name.key` fields (a judgement's steps, `scores.effect`)
    become one object `{name: {key: value}}`, as the API sends them."""
    values: dict = {}
    for key, value in request.form.to_dict().items():
        name, dot, sub = key.partition(".")
        if dot and sub and not isinstance(values.get(name, {}), str):
            values.setdefault(name, {})[sub] = value
        elif not dot:
            values[key] = value
    return values


def read_version() -> int | None:
    raw = request.form.get("version", "")
    return int(raw) if raw.isdigit() else None


def create_form(title: str, submit: str, fields: tuple[FieldDef, ...], create, done_url, done_message: str,
                intro: str | None = None):
    """GET: an empty form for `fields`. POST: `create(values)` through a service, then to `done_url(obj)`."""
    context = dict(title=title, submit=submit, intro=intro, fields=fields, values={}, errors={}, message=None)
    if request.method == "GET":
        return render_template("create.html", **context)
    values = form_data()
    try:
        obj = create(values)
    except ValidationError as exc:
        return render_template("create.html", **{**context, "values": values, "errors": exc.fields,
                                                 "message": exc.message}), 422
    flash(done_message, "success")
    return redirect(done_url(obj))


def transition_form(kind: str, case_id: int, trigger: str, case_endpoint: str, case_arg: str):
    """GET: the form for one transition with exactly its fields. POST: fire it through the service."""
    session = get_session()
    actor = current_actor()
    page = transition_page(session, actor, kind, case_id, trigger)
    transition = page.transition
    case_url = url_for(case_endpoint, **{case_arg: case_id})
    context = dict(case=page.case, transition=transition, case_url=case_url, people=page.people,
                   values={}, errors={}, message=None, stale=False, version=page.case.version,
                   indicators=page.indicators)
    if request.method == "GET":
        if not page.available:
            return render_template("cases/transition.html", **{
                **context, "message": _("Du kan inte göra detta i ärendet just nu."), "unavailable": True}), 403
        return render_template("cases/transition.html", **context)
    values = form_data()
    values.pop("csrf_token", None)
    context.update(values=values, version=request.form.get("version", ""))
    version = read_version()
    try:
        if version is None:
            raise StaleCase("")
        fire(session, actor, (kind, case_id), trigger, values, expected_version=version,
             attachments=uploads_from_request())
    except ValidationError as exc:
        return render_template("cases/transition.html", **{**context, "errors": exc.fields,
                                                            "message": exc.message}), 422
    except StaleCase:
        return render_template("cases/transition.html", **{**context, "stale": True}), 409
    except GuardFailed as exc:
        return render_template("cases/transition.html", **{**context, "message": exc.message}), status_for(exc)
    flash(_("Klart: %(label)s.", label=transition.label), "success")
    return redirect(case_url)


