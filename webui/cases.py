"""What measure and recommendation pages share: typed forms for transitions, the history timeline,
and turning the domain's errors into a re-rendered form."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from kfflow.errors import GuardFailed, StaleCase, ValidationError
from kfflow.models import User
from kfflow.services._common import load_case
from kfflow.services.audits import AUDIT_FIELDS
from kfflow.services.cases import available_transitions, fire, workflow_of
from kfflow.workflow.measure_attributes import attribute_fields
from kfflow.workflow.definition import FieldDef
from kfflow.workflow.fields import to_record
from webui.auth import current_actor
from webui.db import get_session
from webui.errors import status_for

# History entries written by services rather than by a lifecycle transition.
SERVICE_TRIGGERS = {
    "propose": "Föreslog åtgärden",
    "edit": "Ändrade uppgifterna",
    "report_progress": "Rapporterade läget",
    "register": "Registrerade rekommendationen",
    "edit_answer": "Ändrade svaret",
    "register_document": "Registrerade en handling",
}
# Where the same service trigger means something else for another kind of case.
KIND_TRIGGERS = {("audit", "register"): "Registrerade granskningen"}


def active_people(session) -> list[User]:
    """Who a user picker offers: active users, by name."""
    return list(session.scalars(select(User).where(User.active.is_(True)).order_by(User.display_name)))


def form_value(value):
    """A case attribute as a form input shows it."""
    if value is None:
        return ""
    if isinstance(value, list) and all(isinstance(v, dict) for v in value):  # signatories, one a line
        return "\n".join(f"{v['name']}, {v['title']}" if v.get("title") else v["name"] for v in value)
    return str(to_record(value))


def read_version() -> int | None:
    raw = request.form.get("version", "")
    return int(raw) if raw.isdigit() else None


@dataclass
class TimelineItem:
    entry: object
    label: str
    from_label: str
    to_label: str
    details: list[tuple[str, str]]


def _field_for(case, name: str) -> FieldDef | None:
    for t in workflow_of(case).transitions:
        for f in t.fields:
            if f.name == name:
                return f
    own_fields = AUDIT_FIELDS if case.case_kind == "audit" else attribute_fields()
    return next((f for f in own_fields if f.name == name), None)


def _label_for(case, name: str) -> str:
    f = _field_for(case, name)
    if f is not None:
        return f.label
    return {"answer": "Svar", "measure_ids": "Åtgärder", "number": "Nummer", "text": "Text",
            "done": "Vad är gjort?", "ongoing": "Vad pågår?", "planned": "Vad finns planerat?",
            "document": "Handling", "document_number": "Handling nr", "version": "Version", "sha256": "SHA-256",
            "signatories": "Undertecknare"}.get(name, name)


def _show(value, f: FieldDef | None = None) -> str:
    if isinstance(value, dict) and set(value) == {"from", "to"}:
        return f"{_show(value['from'], f)} → {_show(value['to'], f)}"
    if f is not None and f.options:
        value = next((o.label for o in f.options if o.value == value), value)
    if value is None or value == "":
        return "–"
    if isinstance(value, list) and all(isinstance(v, dict) for v in value):  # e.g. signatories
        return "; ".join(", ".join(str(x) for x in v.values() if x) for v in value) or "–"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "–"
    return str(value)


def timeline(case, entries) -> list[TimelineItem]:
    wf = workflow_of(case)
    items = []
    for e in entries:
        t = wf.any_with_trigger(e.trigger)
        service_label = KIND_TRIGGERS.get((case.case_kind, e.trigger)) or SERVICE_TRIGGERS.get(e.trigger)
        label = _(service_label) if service_label else (t.label if t else e.trigger)
        items.append(TimelineItem(e, label, wf.state_label(e.from_state), wf.state_label(e.to_state),
                                  [(_label_for(case, k), _show(v, _field_for(case, k)))
                                   for k, v in (e.fields or {}).items()]))
    return items


def due_date_revisions(case, entries) -> list[TimelineItem]:
    """Every change of the due date, with the reason given."""
    return [item for item in timeline(case, entries) if "due_date" in (item.entry.fields or {})]


def create_form(title: str, submit: str, fields: tuple[FieldDef, ...], create, done_url, done_message: str,
                intro: str | None = None):
    """GET: an empty form for `fields`. POST: `create(values)` through a service, then to `done_url(obj)`."""
    context = dict(title=title, submit=submit, intro=intro, fields=fields, values={}, errors={}, message=None)
    if request.method == "GET":
        return render_template("create.html", **context)
    values = request.form.to_dict()
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
    case = load_case(session, kind, case_id, for_write=False)
    wf = workflow_of(case)
    transition = wf.find(trigger, case.state) or wf.any_with_trigger(trigger)
    if transition is None:
        abort(404)
    case_url = url_for(case_endpoint, **{case_arg: case_id})
    context = dict(case=case, transition=transition, case_url=case_url, people=active_people(session),
                   values={}, errors={}, message=None, stale=False, version=case.version)
    if request.method == "GET":
        if trigger not in {t.trigger for t in available_transitions(actor, case)}:
            return render_template("cases/transition.html", **{
                **context, "message": _("Du kan inte göra detta i ärendet just nu."), "unavailable": True}), 403
        return render_template("cases/transition.html", **context)
    values = request.form.to_dict()
    context.update(values=values, version=request.form.get("version", ""))
    version = read_version()
    try:
        if version is None:
            raise StaleCase("")
        fire(session, actor, (kind, case_id), trigger, values, expected_version=version)
    except ValidationError as exc:
        return render_template("cases/transition.html", **{**context, "errors": exc.fields,
                                                            "message": exc.message}), 422
    except StaleCase:
        return render_template("cases/transition.html", **{**context, "stale": True}), 409
    except GuardFailed as exc:
        return render_template("cases/transition.html", **{**context, "message": exc.message}), status_for(exc)
    flash(_("Klart: %(label)s.", label=transition.label), "success")
    return redirect(case_url)


