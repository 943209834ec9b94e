"""The lägesbild: counts per state and statuses under the rule in workflows/lagesbild.yaml; page == API == list."""
from __future__ import annotations

import re
from datetime import date

from kfflow.services.indicators import add_indicator
from kfflow.services.lagesbild import lagesbild, lagesbild_rules
from kfflow.services.measures import add_progress_report

from tests.conftest import NOW, future
from tests.factories import measure_in_state
from tests.web_support import sign_in


def test_each_status_follows_the_declared_rule(session, users):
    rule = lagesbild_rules().status
    assert rule.applies_to == ("decided",) and rule.warning_days == 30  # as declared in the YAML
    m = measure_in_state(session, users, "decided")  # due future(30)
    measure_in_state(session, users, "proposed")
    assert lagesbild(session, as_of=future(31)).status == {"on_track": 0, "at_risk": 0, "late": 1}
    assert lagesbild(session, as_of=NOW.date()).status == {"on_track": 0, "at_risk": 1, "late": 0}  # no report
    assert lagesbild(session, as_of=future(-1)).status == {"on_track": 1, "at_risk": 0, "late": 0}  # not due soon
    add_progress_report(session, users["owner"], m.id, done="Upphandlat.", ongoing=None, planned=None, now=NOW)
    assert lagesbild(session, as_of=NOW.date()).status == {"on_track": 1, "at_risk": 0, "late": 0}
    add_indicator(session, users["owner"], m.id, {
        "name": "Sjukfrånvaro", "unit": "%", "direction": "lower", "baseline": 7.9, "baseline_date": "2026-01-01",
        "target": 6.5, "target_date": "2027-12-31", "frequency_days": 30}, now=NOW)
    assert lagesbild(session, as_of=NOW.date()).status == {"on_track": 0, "at_risk": 1, "late": 0}  # stale
    assert lagesbild(session, as_of=NOW.date()).counts == {"decided": 1, "proposed": 1}


def test_the_page_shows_the_numbers_of_the_api_and_the_list(make_web_app, api, session, users):
    measure_in_state(session, users, "decided")
    measure_in_state(session, users, "decided", title="Fler e-besök")
    measure_in_state(session, users, "proposed", title="Schemaläggning i app")
    st, api_view = api.call("GET", "/lagesbild", as_user="contributor")
    assert st == 200 and api_view["as_of"] == date.today().isoformat()
    assert api_view["counts"] == {"decided": 2, "proposed": 1}
    assert sum(api_view["status"].values()) == 2
    client = sign_in(make_web_app(), session, users["contributor"])
    html = client.get("/lagesbild").get_data(as_text=True)
    shown = {k: int(v) for k, v in re.findall(r'id="(?:count|status)-(\w+)">(\d+)<', html)}
    assert {k: shown[k] for k in api_view["status"]} == api_view["status"]
    assert {k: v for k, v in shown.items() if k in api_view["counts"]} == api_view["counts"]
    listed = client.get("/atgarder").get_data(as_text=True)
    for state, label in (("decided", "Beslutad"), ("proposed", "Föreslagen")):
        assert f"{label}: {api_view['counts'][state]}</a>" in listed  # the list page's count per state
        st, page = api.call("GET", f"/measures?state={state}", as_user="contributor")
        assert page["total"] == api_view["counts"][state]  # the API's list
    assert 'href="/lagesbild"' in listed  # reachable from the menu


def test_a_wrong_status_rule_is_refused_naming_the_key(tmp_path):
    import shutil

    import pytest

    from kfflow.config import PROJECT_ROOT
    from kfflow.errors import WorkflowDefinitionError
    from kfflow.services.lagesbild import load_lagesbild_rules
    from kfflow.workflow import get_workflows

    shutil.copy(PROJECT_ROOT / "workflows" / "lagesbild.yaml", tmp_path / "lagesbild.yaml")
    assert load_lagesbild_rules(tmp_path, get_workflows()).status.report_within_days == 60
    (tmp_path / "lagesbild.yaml").write_text("status: {applies_to: [decidd], warning_days: 30, report_within_days: 60}")
    with pytest.raises(WorkflowDefinitionError, match="applies_to: no measure state decidd"):
        load_lagesbild_rules(tmp_path, get_workflows())
    (tmp_path / "lagesbild.yaml").write_text("status: {applies_to: [decided], warning_days: -1, report_within_days: 60}")
    with pytest.raises(WorkflowDefinitionError, match="status.warning_days"):
        load_lagesbild_rules(tmp_path, get_workflows())
