"""Changing a role or a label in workflows/measure.yaml alone changes what both the pages and the API offer.

The app is built on a copy of the folder whose measure.yaml gives the bulk handover (`reassign`) to the
council instead of steering and renames it; nothing else changes.
"""
from __future__ import annotations

import pytest

from kfflow.models import Measure
from kfflow.services.cases import history_of
from kfflow.workflow import configure, load_workflows

from tests.api_support import Api
from tests.conftest import WORKFLOWS_PATH
from tests.factories import measure_in_state
from tests.web_support import sign_in
from tests.workflow_copies import changed_copy


def _council_hands_over(data: dict) -> None:
    reassign = next(t for t in data["transitions"] if t["trigger"] == "reassign")
    reassign["roles"] = ["council"]          # steering loses it, the council gains it
    reassign["label"] = "Flytta till annan ansvarig"
    data["actions"]["hand_over"]["label"] = "Flytta valda åtgärder"
    data["actions"]["edit"]["label"] = "Redigera åtgärden"


@pytest.fixture
def app_on_copy(make_web_app, tmp_path):
    """Apps on the shipped folder and on a copy with `_council_hands_over` applied to measure.yaml."""
    folder = changed_copy(tmp_path, "measure.yaml", _council_hands_over)
    yield (lambda: make_web_app({"workflows_path": folder}), lambda: make_web_app({"workflows_path": WORKFLOWS_PATH}))
    configure(load_workflows(WORKFLOWS_PATH))  # the rest of the run uses the shipped rules


def _offers(app, session, users, measure_id: int, role: str) -> dict:
    """What the list page, the case page and the API offer `role` on one decided measure."""
    client = sign_in(app, session, users[role])
    listing = client.get("/atgarder").get_data(as_text=True)
    page = client.get(f"/atgarder/{measure_id}").get_data(as_text=True)
    status, body = Api(app.test_client(), session).call("GET", f"/measures/{measure_id}", as_user=role)
    assert status == 200, body
    return {"bulk": 'name="arende"' in listing and 'action="/atgarder/overlamning' in listing,
            "listing": listing, "page": page,
            "api": {t["trigger"]: t["label"] for t in body["transitions"]},
            "api_actions": {a["name"]: a["label"] for a in body["actions"]}}


def test_a_role_and_a_label_in_measure_yaml_change_pages_and_api(app_on_copy, session, users):
    changed_app, shipped_app = app_on_copy
    measure = measure_in_state(session, users, "decided", title="Förmånsportal")

    shipped = shipped_app()
    steering, council = (_offers(shipped, session, users, measure.id, r) for r in ("steering", "council"))
    assert steering["bulk"] and not council["bulk"]
    assert steering["api"]["reassign"] == "Byt ansvarig" and "reassign" not in council["api"]
    assert "Byt ansvarig" in steering["page"] and "Ändra uppgifter" in steering["page"]
    assert steering["api_actions"]["hand_over"] == "Lämna över"

    changed = changed_app()
    steering, council = (_offers(changed, session, users, measure.id, r) for r in ("steering", "council"))
    assert council["bulk"] and not steering["bulk"], "the list page follows the YAML, not a role name"
    assert "Flytta valda åtgärder" in council["listing"]
    assert council["api"]["reassign"] == "Flytta till annan ansvarig" and "reassign" not in steering["api"]
    assert council["api_actions"]["hand_over"] == "Flytta valda åtgärder" and "hand_over" not in steering["api_actions"]
    assert "Flytta till annan ansvarig" in council["page"] and "Byt ansvarig" not in steering["page"]
    assert "Redigera åtgärden" in steering["page"] and steering["api_actions"]["edit"] == "Redigera åtgärden"

    # And what is offered works: the council hands the measure over from the list, steering is refused.
    client = sign_in(changed, session, users["council"])
    form = {"arende": [str(measure.id)], "to_owner": "other_owner", "reason": "HR tar över."}
    assert client.post("/atgarder/overlamning", data=form).status_code == 302
    session.rollback()
    assert session.get(Measure, measure.id, populate_existing=True).owner_id == users["other_owner"].id
    assert history_of(session, measure)[-1].trigger == "reassign"
    refused = sign_in(changed, session, users["steering"]).post("/atgarder/overlamning", data=form)
    assert refused.status_code == 403
