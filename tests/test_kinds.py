"""Every registered kind of case is wired through every consumer of kfflow.kinds: loading, its lifecycle,
its page and API route, reminders (anchors, sweep rows, mail links), the calendar, the bulk handover, the
start page, notifications and the timeline. A kind added to the registry without a case maker below fails."""
from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from kfflow.kinds import KINDS
from kfflow.reminders import rules
from kfflow.reminders.mail import case_url
from kfflow.services.audits import add_recommendation
from kfflow.services.calendar import calendar_for_token, issue_calendar_token
from kfflow.services.cases import fire, history_of, read_case
from kfflow.services.handover import select_cases
from kfflow.services.measures import propose_measure
from kfflow.services.start_page import start_page
from kfflow.services.timeline import timeline
from kfflow.workflow import get_workflows
from kfflow.workflow.loader import _case_attributes
from tests.factories import SCORES
from tests.audit_factories import registered_audit
from tests.conftest import NOW
from tests.web_support import sign_in
from webui.notifications.views import case_link


def _measure(session, users):
    m = propose_measure(session, users["contributor"], {"title": "Förmånsportal, införande"}, now=NOW)
    fire(session, users["steering"], m, "prioritise", {"priority": 1, "category": "retain",
                                                       "expected_effect": "Fler stannar.", "scores": SCORES}, now=NOW)
    fire(session, users["steering"], m, "decide", {"owner": users["owner"].username, "decision_ref": "RS § 81",
                                                   "due_date": (NOW + timedelta(days=30)).date().isoformat()},
         now=NOW)
    return m


def _recommendation(session, users):
    audit = registered_audit(session, users, response_due=(NOW + timedelta(days=30)).date().isoformat())
    rec = add_recommendation(session, users["registrar"], audit.id, 1, "Säkerställ tydliga mål.", now=NOW)
    fire(session, users["registrar"], rec, "assign", {"owner": users["owner"].username}, now=NOW)
    return rec


def _audit(session, users):
    return registered_audit(session, users)


# One case of each kind, owned where the kind has owners, built as people would.
MAKERS = {"measure": _measure, "recommendation": _recommendation, "audit": _audit}


def test_every_registered_kind_has_a_maker_here():
    assert set(MAKERS) == set(KINDS), "a new kind needs a maker in this test (and passes every check below)"


@pytest.mark.parametrize("name", sorted(KINDS))
def test_a_kind_is_wired_through_every_consumer(name, make_web_app, session, users):
    kind = KINDS[name]
    assert kind.model.case_kind == name
    workflow = get_workflows().current(kind.workflow)
    assert _case_attributes(kind.workflow), "the workflow loader checks assigned fields against the model"
    case = MAKERS[name](session, users)
    assert read_case(session, name, case.id).id == case.id

    # Its page and its API resource exist.
    app = make_web_app()
    adapter = app.url_map.bind("localhost")
    assert adapter.match(kind.web_url(case.id), method="GET")
    assert adapter.match("/api/v1" + kind.api_path.format(id=case.id), method="GET")
    client = sign_in(app, session, users["steering"])
    page = client.get(kind.web_url(case.id))
    assert page.status_code == 200

    # Its title, from the loaded case and from the rows the sweep and the calendar read, is the same.
    row = session.execute(kind.case_rows().where(kind.model.id == case.id)).one()
    assert row[0] == case.id and row[1] == case.state
    assert kind.title(case) == kind.title_from(row[4:]) and kind.title(case)

    # Reminders and the calendar, for kinds with a due date.
    assert case_url(name, case.id, "https://kfflow.example") == "https://kfflow.example" + kind.web_url(case.id)
    if kind.due is not None:
        assert kind.due.anchor in rules.ANCHORS[name]
        assert row[3] is not None, "the maker gives a due date"
        token = issue_calendar_token(session, users["owner"])
        feed = calendar_for_token(session, token, base="https://kfflow.example").decode()
        assert f"{kind.due.calendar_label}: " in feed and kind.web_url(case.id) in feed.replace("\r\n ", "")
    else:
        assert name not in rules.ANCHORS

    # The bulk handover finds it by its kind.
    assert [c.id for c in select_cases(session, case_ids=[(name, case.id)])] == [case.id]

    # The start page lists it while a role may move it on.
    if kind.waits_on_start_page and any(workflow.transitions_from(case.state)):
        waiting = start_page(session, users["steering"]).waiting
        assert all(w.url == kind.web_url(w.case.id) for w in waiting)

    # Every history entry reads with labels: its event and every field it recorded.
    entries = history_of(session, case)
    assert entries
    for item in timeline(case, entries):
        assert item.label != item.entry.trigger, f"no label for the event {item.entry.trigger!r}"
        for (label, _value), field_name in zip(item.details, item.entry.fields or {}):
            assert label != field_name, f"no label for {field_name!r} in {item.entry.trigger!r}"

    # A notification about it links to its page.
    with app.test_request_context():
        assert case_link(SimpleNamespace(case_kind=name, case_id=case.id)) == kind.web_url(case.id)
