"""The transition form shows the transition `fire` runs: one resolver in the service decides which, so a trigger
declared from two states with different fields gets the form of the case's state, and an unknown one is a 404."""
from __future__ import annotations

import pytest

from kfflow.errors import NotFound
from kfflow.models import Measure
from kfflow.services.case_pages import transition_page
from kfflow.services.cases import transition_for
from kfflow.workflow import configure, load_workflows
from tests.conftest import WORKFLOWS_PATH
from tests.factories import measure_in_state
from tests.web_support import sign_in
from tests.workflow_copies import changed_copy

PRIORITISED_REJECT = "Varför avslås en prioriterad åtgärd?"


def _reject_in_two_ways(data: dict) -> None:
    """`reject` from `proposed` keeps its field; from `prioritised` it asks another question."""
    reject = next(t for t in data["transitions"] if t["trigger"] == "reject")
    reject["source"] = "proposed"
    data["transitions"].append({**reject, "source": "prioritised", "fields": [
        {"name": "reason", "type": "text", "label": PRIORITISED_REJECT}]})


@pytest.fixture
def app_with_two_rejects(make_web_app, tmp_path):
    yield make_web_app({"workflows_path": changed_copy(tmp_path, "measure.yaml", _reject_in_two_ways)})
    configure(load_workflows(WORKFLOWS_PATH))


def test_the_form_is_the_transition_of_the_case_s_state(app_with_two_rejects, session, users):
    proposed = measure_in_state(session, users, "proposed")
    prioritised = measure_in_state(session, users, "prioritised")
    assert transition_for(prioritised, "reject").fields[0].label == PRIORITISED_REJECT
    assert transition_for(proposed, "reject").fields[0].label == "Motivering"
    client = sign_in(app_with_two_rejects, session, users["steering"])
    assert PRIORITISED_REJECT in client.get(f"/atgarder/{prioritised.id}/steg/reject").get_data(as_text=True)
    assert PRIORITISED_REJECT not in client.get(f"/atgarder/{proposed.id}/steg/reject").get_data(as_text=True)
    done = client.post(f"/atgarder/{prioritised.id}/steg/reject",
                       data={"version": prioritised.version, "reason": "Ryms inte i budgeten."})
    assert done.status_code == 302
    session.rollback()
    assert session.get(Measure, prioritised.id, populate_existing=True).state == "rejected"


def test_an_unknown_trigger_is_not_found_and_an_unavailable_one_is_refused(make_web_app, session, users):
    app = make_web_app()
    m = measure_in_state(session, users, "decided")
    with pytest.raises(NotFound):
        transition_page(session, users["steering"], "measure", m.id, "fly")
    client = sign_in(app, session, users["steering"])
    assert client.get(f"/atgarder/{m.id}/steg/fly").status_code == 404
    assert client.post(f"/atgarder/{m.id}/steg/fly", data={"version": m.version}).status_code == 404
    page = transition_page(session, users["steering"], "measure", m.id, "prioritise")
    assert not page.available and page.transition.label == "Prioritera"
    assert client.get(f"/atgarder/{m.id}/steg/prioritise").status_code == 403
    assert transition_page(session, users["steering"], "measure", m.id, "reassign").available


def test_the_history_names_service_entries_as_the_lifecycle_file_says(make_web_app, tmp_path, session, users):
    """The timeline's label of a progress report comes from `history` in measure.yaml, not from Python."""
    from kfflow.services.measures import add_progress_report

    def relabel(data: dict) -> None:
        data["history"]["report_progress"] = "Lämnade en lägesrapport"

    app = make_web_app({"workflows_path": changed_copy(tmp_path, "measure.yaml", relabel)})
    try:
        m = measure_in_state(session, users, "decided")
        add_progress_report(session, users["owner"], m.id, done="Upphandlat.", ongoing=None, planned=None)
        page = sign_in(app, session, users["owner"]).get(f"/atgarder/{m.id}").get_data(as_text=True)
        assert "Lämnade en lägesrapport" in page and "Rapporterade läget" not in page
    finally:
        configure(load_workflows(WORKFLOWS_PATH))
    page = sign_in(make_web_app(), session, users["owner"]).get(f"/atgarder/{m.id}").get_data(as_text=True)
    assert "Rapporterade läget" in page
