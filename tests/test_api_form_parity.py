"""Every web form has its API operation: the same fields (from one declaration) for the same roles.

For each form the pages offer, the test reads the form's field names from the rendered HTML and checks
them against the operation's request schema; then, for every role, the page offers the form exactly when
the API accepts a valid request from that role. Transition forms are checked against the transitions the
API lists for the same role, field by field.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Callable
from urllib.parse import urlsplit

import pytest

from kfflow.services.audits import add_recommendation, register_audit
from kfflow.services.cases import fire, workflow_of
from webui.api.framework import OPERATIONS

from tests.audit_factories import answered_audit, decide
from tests.factories import measure_in_state
from tests.web_support import sign_in

ROLES = ("contributor", "owner", "council", "steering", "registrar", "admin", "other_owner")
NOT_FIELDS = {"csrf_token"}


class FormFields(HTMLParser):
    """The named fields of every form in a page, keyed by the path the form sends to."""

    def __init__(self, page_path: str):
        super().__init__()
        self.page_path = page_path
        self.forms: dict[str, set[str]] = {}
        self._by_id: dict[str, str] = {}
        self._current: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._current = urlsplit(a.get("action") or self.page_path).path
            self.forms.setdefault(self._current, set())
            if a.get("id"):
                self._by_id[a["id"]] = self._current
        elif tag in ("input", "select", "textarea") and a.get("name") and a.get("type") != "submit":
            owner = self._by_id.get(a["form"]) if a.get("form") else self._current
            if owner is not None:  # `scores.effect`: one step of the object the API takes as `scores`
                self.forms[owner].add(a["name"].partition(".")[0])

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def web_forms(client, path: str) -> tuple[int, dict[str, set[str]]]:
    response = client.get(path)
    parser = FormFields(urlsplit(path).path)
    parser.feed(response.get_data(as_text=True))
    return response.status_code, {action: names - NOT_FIELDS for action, names in parser.forms.items()}


def operation(method: str, rule: str):
    return next(op for op in OPERATIONS if (op.method, op.rule) == (method, rule))


def api_fields(method: str, rule: str) -> set[str]:
    op = operation(method, rule)
    schema = op.body if op.body is not None else op.query
    named = {f.data_key or name for name, f in schema.fields.items() if not f.dump_only} if schema else set()
    return named | set(op.files) | ({"attachments"} if op.attachments else set())  # evidence files' part


# --- what each form needs to exist ------------------------------------------------------------------

def decided_measure(session, users):
    m = measure_in_state(session, users, "decided")
    return {"measure_id": m.id}


def registered_audit(session, users):
    a = register_audit(session, users["registrar"], {"name": "Granskning", "number": "7/2022", "subject": "Ämne",
                                                     "diarienummer": "RS/7/2022"})
    return {"audit_id": a.id}


def assigned_recommendation(session, users):
    values = registered_audit(session, users)
    rec = add_recommendation(session, users["registrar"], values["audit_id"], 1, "Säkerställ en plan.")
    fire(session, users["registrar"], rec, "assign", {"owner": "owner"})
    return {**values, "rec_id": rec.id}


def decided_audit(session, users):
    audit, _measures = answered_audit(session, users)
    decide(session, users, audit)
    return {"audit_id": audit.id}


def nothing(session, users):
    return {}


def another_user(session, users):
    from kfflow.services.users import create_user

    return {"user_id": create_user(session, None, username=_fresh_name(session), role="contributor").id}


def _fresh_name(session) -> str:
    session.info["n"] = session.info.get("n", 0) + 1
    return f"ny{session.info['n']}"


IMPORT_CSV = "Åtgärd;Kategori\nMentorskap för nya sjuksköterskor;Behålla\n".encode("utf-8")


@dataclass(frozen=True)
class Form:
    page: str                    # where the form is shown
    action: str                  # where it sends (a path)
    api: tuple[str, str]         # the operation that does the same
    setup: Callable
    body: Callable               # (api, values) -> a valid request for the API (fresh version read inside)
    # Web names that are Swedish URL words for the API's (query strings people see and bookmark).
    aliases: dict[str, str] = field(default_factory=dict)
    api_only: frozenset[str] = frozenset()   # fields only a program needs (say why at the row)
    multipart: bool = False                  # the API takes the body as multipart/form-data (an upload)


def _version(api, path):
    return api.call("GET", path, as_user="registrar")[1]["version"]


FORMS = [
    Form("/atgarder/ny", "/atgarder/ny", ("POST", "/measures"), nothing,
         lambda api, v: {"title": "Fler e-besök"}),
    Form("/atgarder/{measure_id}/andra", "/atgarder/{measure_id}/andra", ("PATCH", "/measures/<int:measure_id>"),
         decided_measure, lambda api, v: {"version": _version(api, f"/measures/{v['measure_id']}"),
                                          "indicator": "Antal sökande"}),
    Form("/atgarder/{measure_id}", "/atgarder/{measure_id}/lagesrapport",
         ("POST", "/measures/<int:measure_id>/progress"), decided_measure,
         lambda api, v: {"version": _version(api, f"/measures/{v['measure_id']}"), "done": "Upphandlat."},
         api_only=frozenset({"reported_on"})),  # a program may report for an earlier day; the page reports today
    Form("/atgarder/{measure_id}", "/atgarder/{measure_id}/kommentar",
         ("POST", "/measures/<int:measure_id>/comments"), decided_measure, lambda api, v: {"body": "Bra!"}),
    Form("/atgarder", "/atgarder/overlamning", ("POST", "/measures/handover"), decided_measure,
         lambda api, v: {"measure_ids": [v["measure_id"]], "to_owner": "other_owner", "reason": "Ny förvaltning"},
         aliases={"arende": "measure_ids"},
         api_only=frozenset({"dry_run"})),  # a program may ask first what would happen
    Form("/atgarder", "/atgarder", ("GET", "/measures"), nothing, lambda api, v: None,
         aliases={"lage": "state", "kategori": "category", "arbetsgrupp": "working_group", "ansvarig": "owner",
                  "forsenad": "overdue", "sortera": "sort", "ordning": "sort"},
         api_only=frozenset({"limit", "offset"})),  # the page numbers its pages itself
    Form("/atgarder", "/atgarder/delrapport.pdf", ("GET", "/reports/delrapport.pdf"), nothing,
         lambda api, v: None, api_only=frozenset({"dnr"})),  # the page uses the programme's diarienummer
    Form("/installningar/aviseringar", "/installningar/aviseringar", ("PUT", "/notifications/preferences"), nothing,
         lambda api, v: {"mail_enabled": True, "delivery": "daily"}),
    Form("/granskningar/ny", "/granskningar/ny", ("POST", "/audits"), nothing,
         lambda api, v: {"name": "Granskning", "number": "2/2024", "subject": "Ämne"}),
    Form("/granskningar/{audit_id}/andra", "/granskningar/{audit_id}/andra", ("PATCH", "/audits/<int:audit_id>"),
         registered_audit, lambda api, v: {"version": _version(api, f"/audits/{v['audit_id']}"),
                                           "template": "committee"}),
    Form("/granskningar/{audit_id}", "/granskningar/{audit_id}/rekommendationer",
         ("POST", "/audits/<int:audit_id>/recommendations"), registered_audit,
         lambda api, v: {"number": 1, "text": "Gör så."}),
    Form("/granskningar/{audit_id}", "/granskningar/{audit_id}/yttrande", ("POST", "/audits/<int:audit_id>/yttrande"),
         decided_audit, lambda api, v: None),
    Form("/rekommendationer/{rec_id}", "/rekommendationer/{rec_id}/svar", ("PATCH", "/recommendations/<int:rec_id>"),
         assigned_recommendation, lambda api, v: {"version": _version(api, f"/recommendations/{v['rec_id']}"),
                                                  "answer": "Regionstyrelsen instämmer."}),
    Form("/atgarder/importera", "/atgarder/importera", ("POST", "/imports"), nothing,
         lambda api, v: {"file": (io.BytesIO(IMPORT_CSV), "plan.csv")}, aliases={"fil": "file", "uppdatera": "update"},
         multipart=True),
    Form("/installningar/aviseringar", "/installningar/aviseringar/kalender", ("POST", "/calendar-feed"), nothing,
         lambda api, v: None),
    Form("/admin/anvandare", "/admin/anvandare", ("POST", "/admin/users"), nothing,
         lambda api, v: {"username": _fresh_name(api.session), "role": "contributor"}),
    Form("/admin/anvandare", "/admin/anvandare/{user_id}/aktiv", ("PUT", "/admin/users/<int:user_id>/active"),
         another_user, lambda api, v: {"active": False}),
    Form("/admin/anvandare", "/admin/anvandare/{user_id}/roll", ("PUT", "/admin/users/<int:user_id>/role"),
         another_user, lambda api, v: {"role": "owner"}),
    Form("/admin/anvandare", "/admin/anvandare/{user_id}/losenord", ("POST", "/admin/users/<int:user_id>/password"),
         another_user, lambda api, v: {}),
]


def _path(template: str, values: dict) -> str:
    for name, value in values.items():
        template = template.replace("{" + name + "}", str(value)).replace(f"<int:{name}>", str(value))
    return template


@pytest.mark.parametrize("form", FORMS, ids=lambda f: f"{f.page} → {f.action}")
def test_the_api_takes_the_same_fields_as_the_web_form(form, app, api, session, users):
    values = form.setup(session, users)
    who = ("registrar" if "granskning" in form.page or "rekommendation" in form.page
           else "admin" if form.page.startswith("/admin") else "steering")
    _status, forms = web_forms(sign_in(app, session, users[who]), _path(form.page, values))
    action = _path(form.action, values)
    assert action in forms, f"{form.page} shows no form sending to {action}"
    web = {form.aliases.get(name, name) for name in forms[action]}
    assert web | form.api_only == api_fields(*form.api), f"{form.page} → {action} and {form.api} have drifted apart"


@pytest.mark.parametrize("form", FORMS, ids=lambda f: f"{f.page} → {f.action}")
def test_the_page_offers_a_form_to_exactly_the_roles_the_api_accepts(form, app, api, session, users):
    method, rule = form.api
    for role in ROLES:
        values = form.setup(session, users)
        status, forms = web_forms(sign_in(app, session, users[role]), _path(form.page, values))
        offered = status == 200 and _path(form.action, values) in forms
        body = form.body(api, values)
        sent = {"data": body, "content_type": "multipart/form-data"} if form.multipart else {"json": body}
        response = api.client.open("/api/v1" + _path(rule, values), method=method, **sent,
                                   headers={"Authorization": f"Bearer {api.token(role)}"},
                                   query_string={"from": "2026-01-01", "to": "2026-03-02"}
                                   if rule == "/reports/delrapport.pdf" else None)
        assert response.status_code in (200, 201, 202, 403), (role, response.get_json(silent=True))
        accepted = response.status_code != 403
        assert offered == accepted, f"{role}: the page {'offers' if offered else 'hides'} {form.action} " \
                                    f"but the API {'accepts' if accepted else 'refuses'} {method} {rule}"


# --- transitions: the form of each transition and the API's description of it --------------------

CASES = {
    "measure": ("/atgarder/{id}/steg/{trigger}", "/measures/{id}",
                lambda s, u, state: measure_in_state(s, u, state).id,
                ("proposed", "prioritised", "decided", "implemented", "evaluated")),
    "recommendation": ("/rekommendationer/{id}/steg/{trigger}", "/recommendations/{id}",
                       lambda s, u, state: _recommendation_in(s, u, state), ("proposed", "prioritised")),
    "audit": ("/granskningar/{id}/steg/{trigger}", "/audits/{id}",
              lambda s, u, state: _audit_in(s, u, state), ("registered", "drafting", "decided")),
}


def _recommendation_in(session, users, state):
    rec_id = assigned_recommendation(session, users)["rec_id"] if state == "prioritised" else None
    if rec_id is None:
        audit = registered_audit(session, users)["audit_id"]
        rec_id = add_recommendation(session, users["registrar"], audit, 1, "Gör så.").id
    return rec_id


def _audit_in(session, users, state):
    if state == "registered":
        return registered_audit(session, users)["audit_id"]
    audit, _measures = answered_audit(session, users)
    if state == "decided":
        decide(session, users, audit)
    return audit.id


@pytest.mark.parametrize("kind", CASES)
def test_each_transition_form_matches_what_the_api_offers_the_same_role(kind, app, api, session, users):
    web_path, api_path, make, states = CASES[kind]
    clients = {role: sign_in(app, session, users[role]) for role in ROLES}
    checked = 0
    for state in states:
        case_id = make(session, users, state)
        from kfflow.services.cases import read_case

        wf = workflow_of(read_case(session, kind, case_id))
        for role in ROLES:
            st, case = api.call("GET", api_path.format(id=case_id), as_user=role)
            offered = {t["trigger"]: {f["name"] for f in t["required"]} | ({"attachments"} if t["evidence"] else set())
                       | ({t["judgement"]["name"]} if t["judgement"] else set())
                       for t in case["transitions"]}
            for t in wf.transitions_from(state):
                path = web_path.format(id=case_id, trigger=t.trigger)
                status, forms = web_forms(clients[role], path)
                assert (status == 200) == (t.trigger in offered), (kind, state, role, t.trigger, status)
                if status == 200:
                    assert forms[path] - {"version"} == offered[t.trigger], (kind, state, t.trigger)
                    checked += 1
    assert checked >= len(states)  # the walk reached forms, not only refusals


def test_the_import_mapping_takes_the_declared_attributes():
    """The spreadsheet columns of a measure's own attributes have their vocabulary and requiredness from the
    declaration; the other columns are the import's own (lifecycle state, owner, dates)."""
    from kfflow.importing.mapping import measure_columns
    from kfflow.workflow.attributes import MEASURE

    columns = {c.field: c for c in measure_columns()}
    for name, column in columns.items():
        declared = MEASURE.get(name)
        if declared is None:
            assert name in {"id", "owner", "state", "status", "started", "due_date"}, name
        else:
            assert (column.vocabulary, column.required) == (declared.vocabulary, declared.required), name
    assert columns["title"].required and columns["category"].vocabulary == "categories"
