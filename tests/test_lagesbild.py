"""The lägesbild: counts per state and statuses under the rule in workflows/lagesbild.yaml; page == API == list."""
from __future__ import annotations

import re
from datetime import date, timedelta

from kfflow.services.indicators import add_indicator, add_measurement
from kfflow.services.lagesbild import (LagesbildFilter, SinceLastMeeting, lagesbild, lagesbild_rules,
                                       parse_filter)
from kfflow.services.measures import add_progress_report

from kfflow.workflow import get_workflows

from tests.conftest import NOW, future
from tests.factories import measure_in_state
from tests.web_support import sign_in


def test_each_status_follows_the_declared_rule(session, users):
    rule = lagesbild_rules().status
    assert rule.applies_to.tag == ("reportable", "can_be_late") and rule.warning_days == 30  # as in the YAML
    assert rule.applies_to.states(get_workflows().current("measure")) == ("decided",)
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
    since = "since_last_meeting: {decided: adopted, implemented: done, evaluated: evaluated}\n"
    (tmp_path / "lagesbild.yaml").write_text(
        "status: {applies_to: {tag: reportabel}, warning_days: 30, report_within_days: 60}\n" + since)
    with pytest.raises(WorkflowDefinitionError, match="no state tag reportabel"):
        load_lagesbild_rules(tmp_path, get_workflows())
    (tmp_path / "lagesbild.yaml").write_text(
        "status: {applies_to: {tag: [closed, open]}, warning_days: 30, report_within_days: 60}\n" + since)
    with pytest.raises(WorkflowDefinitionError, match="applies_to: no measure state carries every tag closed, open"):
        load_lagesbild_rules(tmp_path, get_workflows())
    (tmp_path / "lagesbild.yaml").write_text(
        "status: {applies_to: [decided], warning_days: 30, report_within_days: 60}\n" + since)
    with pytest.raises(WorkflowDefinitionError, match="status.applies_to"):  # state names are no longer accepted
        load_lagesbild_rules(tmp_path, get_workflows())
    (tmp_path / "lagesbild.yaml").write_text(
        "status: {applies_to: {tag: reportable}, warning_days: -1, report_within_days: 60}\n" + since)
    with pytest.raises(WorkflowDefinitionError, match="status.warning_days"):
        load_lagesbild_rules(tmp_path, get_workflows())


def _indicator(session, users, measure_id, direction="lower"):
    return add_indicator(session, users["owner"], measure_id, {
        "name": "Sjukfrånvaro", "unit": "%", "direction": direction, "baseline": 7.9, "baseline_date": "2026-01-01",
        "target": 6.5, "target_date": "2027-12-31", "frequency_days": 90}, now=NOW)


def test_an_indicator_moving_the_wrong_way_puts_the_measure_at_risk(session, users):
    m = measure_in_state(session, users, "decided", owner=users["owner"])
    add_progress_report(session, users["owner"], m.id, done="Upphandlat.", ongoing=None, planned=None, now=NOW)
    ind = _indicator(session, users, m.id)  # lower is better, baseline 7.9
    add_measurement(session, users["owner"], ind.id, {"value": 7.5, "date": "2026-02-01"}, now=NOW)
    view = lagesbild(session, as_of=NOW.date())
    assert view.status["on_track"] == 1 and view.at_risk_reasons["wrong_way_indicator"] == 0  # 7.9 → 7.5: right way
    add_measurement(session, users["owner"], ind.id, {"value": 7.7, "date": "2026-03-01"}, now=NOW)
    view = lagesbild(session, as_of=NOW.date())
    assert view.status == {"on_track": 0, "at_risk": 1, "late": 0}  # 7.5 → 7.7: away from 6.5
    assert view.at_risk_reasons == {"due_soon_unreported": 0, "stale_indicator": 0, "wrong_way_indicator": 1}
    # as of a day before the second value, only the first counts
    assert lagesbild(session, as_of=date(2026, 2, 15)).at_risk_reasons["wrong_way_indicator"] == 0
    higher = measure_in_state(session, users, "decided", title="Fler sökande")
    add_progress_report(session, users["owner"], higher.id, done="Annonserat.", ongoing=None, planned=None, now=NOW)
    add_measurement(session, users["owner"], _indicator(session, users, higher.id, "higher").id,
                    {"value": 7.0, "date": "2026-02-01"}, now=NOW)  # higher is better: 7.9 → 7.0 is the wrong way
    assert lagesbild(session, as_of=NOW.date()).at_risk_reasons["wrong_way_indicator"] == 2


def test_compared_to_the_baseline_when_the_yaml_says_so(session, users, monkeypatch):
    from kfflow.services import lagesbild as module

    m = measure_in_state(session, users, "decided")
    add_progress_report(session, users["owner"], m.id, done="Klart.", ongoing=None, planned=None, now=NOW)
    ind = _indicator(session, users, m.id)
    for value, day in ((7.0, "2026-02-01"), (7.4, "2026-03-01")):  # up from 7.0, still below the baseline 7.9
        add_measurement(session, users["owner"], ind.id, {"value": value, "date": day}, now=NOW)
    assert lagesbild(session, as_of=NOW.date()).at_risk_reasons["wrong_way_indicator"] == 1
    rules = lagesbild_rules()
    baseline = rules.model_copy(update={"status": rules.status.model_copy(update={"wrong_way_compared_to": "baseline"})})
    monkeypatch.setattr(module, "lagesbild_rules", lambda: baseline)
    assert lagesbild(session, as_of=NOW.date()).status["on_track"] == 1
    off = rules.model_copy(update={"status": rules.status.model_copy(update={"wrong_way_indicator_is_at_risk": False})})
    monkeypatch.setattr(module, "lagesbild_rules", lambda: off)
    assert lagesbild(session, as_of=NOW.date()).status["on_track"] == 1


def test_breakdowns_and_the_working_group_filter(session, users):
    from kfflow.services.measures import propose_measure

    measure_in_state(session, users, "decided")  # category recruit, no working group
    propose_measure(session, users["contributor"], {"title": "Mentorskap", "working_group": "Arbetsmiljö",
                                                     "strategic_area": "Arbetsmiljö och arbetssätt"}, now=NOW)
    propose_measure(session, users["contributor"], {"title": "Lönekartläggning", "working_group": "Arbetsmiljö"},
                    now=NOW)
    view = lagesbild(session, as_of=NOW.date())
    assert view.by_category == {"recruit": {"decided": 1}, "": {"proposed": 2}}
    assert view.by_working_group == {"": {"decided": 1}, "Arbetsmiljö": {"proposed": 2}}
    assert view.by_strategic_area == {"": {"decided": 1, "proposed": 1}, "Arbetsmiljö och arbetssätt": {"proposed": 1}}
    group = lagesbild(session, as_of=NOW.date(), working_group="Arbetsmiljö")
    assert group.counts == {"proposed": 2} and sum(group.status.values()) == 0
    assert parse_filter({"as_of": "2026-04-01", "working_group": "Arbetsmiljö"}) == \
        LagesbildFilter(date(2026, 4, 1), "Arbetsmiljö")


def test_since_the_last_steering_meeting_from_the_history(session, users):
    from kfflow.services.cases import fire

    meeting = NOW.date() - timedelta(days=1)
    decided = measure_in_state(session, users, "decided")       # decided today: after the meeting
    measure_in_state(session, users, "implemented", title="B")   # decided and implemented
    measure_in_state(session, users, "evaluated", title="C")     # decided, implemented and evaluated
    measure_in_state(session, users, "proposed", title="D")
    fire(session, users["owner"], decided, "revise_due_date",
         {"due_date": future(10).isoformat(), "reason": "Leverantören är sen."}, now=NOW)
    since = lagesbild(session, as_of=NOW.date(), meetings=(meeting, date(2027, 1, 20))).since_last_meeting
    assert since == SinceLastMeeting(meeting, decided=3, implemented=2, evaluated=1, newly_late=0, due_dates_moved=1)
    later = lagesbild(session, as_of=future(11), meetings=(meeting,)).since_last_meeting
    assert later.newly_late == 1  # due future(10), after the meeting, past by future(11)
    # the meeting day itself belongs to the meeting; before the first meeting there is no window
    assert lagesbild(session, as_of=NOW.date(), meetings=(NOW.date(),)).since_last_meeting.meeting_date is None
    assert lagesbild(session, as_of=future(1), meetings=(NOW.date(),)).since_last_meeting.decided == 0


def test_bad_filters_are_refused_in_swedish_on_the_page_and_in_the_api(make_web_app, api, session, users):
    st, body = api.call("GET", "/lagesbild?as_of=2026-02-30&working_group=Fel%20grupp", as_user="contributor")
    assert st == 422
    assert body["error"]["fields"] == {"as_of": "Ange ett giltigt datum som ÅÅÅÅ-MM-DD, inte ”2026-02-30”.",
                                       "working_group": "Det finns ingen arbetsgrupp ”Fel grupp”."}
    st, body = api.call("GET", "/lagesbild?as_of=2026-04-01&working_group=Arbetsmilj%C3%B6", as_user="contributor")
    assert st == 200 and body["as_of"] == "2026-04-01" and body["working_group"] == "Arbetsmiljö"
    client = sign_in(make_web_app(), session, users["contributor"])
    page = client.get("/lagesbild?as_of=igår")
    html = page.get_data(as_text=True)
    assert page.status_code == 422 and "Ange ett giltigt datum som ÅÅÅÅ-MM-DD, inte ”igår”." in html
    assert 'aria-invalid="true"' in html and 'id="status-late"' in html


def test_the_page_draws_accessible_svg_charts_with_tables_and_no_script(make_web_app, session, users):
    measure_in_state(session, users, "decided")
    client = sign_in(make_web_app(), session, users["contributor"])
    html = client.get(f"/lagesbild?as_of={NOW.date().isoformat()}").get_data(as_text=True)
    charts = re.findall(r'<svg class="chart" role="img" aria-labelledby="([\w-]+)-title \1-desc"', html)
    assert set(charts) >= {"chart-status", "chart-counts", "chart-by_category"}
    assert '<desc id="chart-status-desc">I fas: 0; Risk för försening: 1; Försenade: 0.</desc>' in html
    assert "<script" not in html.split("<main", 1)[1] and " style=" not in html
    assert "Frys lägesbild" not in html  # a contributor may not freeze


def test_the_page_costs_a_fixed_number_of_statements(make_web_app, database, session, users):
    from tests.test_api_queries import counted_statements

    client = sign_in(make_web_app(), session, users["steering"])

    def statements() -> int:
        with counted_statements(database.engine) as seen:
            assert client.get("/lagesbild").status_code == 200
        return len(seen)

    measure_in_state(session, users, "decided")
    few = statements()
    for i in range(8):
        m = measure_in_state(session, users, "decided", title=f"Åtgärd {i}")
        _indicator(session, users, m.id)
    assert statements() == few <= 10
