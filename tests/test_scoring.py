"""Prioritisation by ensured effect (issue 13, item 3): the scoring model of workflows/scoring.yaml, the score,
the ranked list on the page and over the API, and the judgement as a field of `prioritise` and of `edit`."""
from __future__ import annotations

import random
import re
import shutil

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import func, select

from kfflow.cli import main
from kfflow.errors import ValidationError, WorkflowDefinitionError
from kfflow.models import HistoryEntry, Measure
from kfflow.services.access import may
from kfflow.services.cases import fire
from kfflow.services.measure_list import MeasureFilter, list_measures, score_expression
from kfflow.services.measures import update_measure
from kfflow.services.ranking import ranking, ranking_states
from kfflow.workflow import configure, get_workflows, load_workflows

from tests.conftest import WORKFLOWS_PATH
from tests.factories import SCORES, measure_in_state
from tests.web_support import sign_in

ROLES = ("contributor", "owner", "council", "steering", "registrar", "admin")


# --- the model as declared ------------------------------------------------------------------------

def test_the_shipped_model_and_its_score():
    model = load_workflows(WORKFLOWS_PATH).scoring
    assert [c.name for c in model.criteria] == ["effect", "certainty", "cost", "time_to_effect"]
    assert model.maximum == 40
    assert model.score({"effect": 4, "certainty": 4, "cost": 1, "time_to_effect": 1}) == 40
    assert model.score({"effect": 1, "certainty": 1, "cost": 4, "time_to_effect": 4}) == 10
    assert model.score(SCORES) == 3 * 3 + 4 * 3 + 2 * 3 + 1 * 3 == 30
    # Lower is better for cost: the cheaper of two otherwise equal measures scores more.
    assert model.score({**SCORES, "cost": 1}) - model.score({**SCORES, "cost": 2}) == 2
    # No score until every criterion is judged; a criterion no longer in the file is ignored.
    assert model.score({"effect": 4}) is None and model.score(None) is None
    assert model.score({**SCORES, "retired": 4}) == 30
    lines = model.breakdown(SCORES)
    assert [(line.criterion.name, line.step_label, line.points, line.contribution) for line in lines] == [
        ("effect", "Stor", 3, 9), ("certainty", "Mätbar med befintliga uppgifter", 3, 12),
        ("cost", "Måttlig", 3, 6), ("time_to_effect", "Inom ett år", 3, 3)]


def _broken(tmp_path, change) -> str:
    folder = tmp_path / "workflows"
    shutil.copytree(WORKFLOWS_PATH, folder)
    data = yaml.safe_load((folder / "scoring.yaml").read_text(encoding="utf-8"))
    change(data)
    (folder / "scoring.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(WorkflowDefinitionError) as err:
        load_workflows(folder)
    result = CliRunner().invoke(main, ["workflows", "check", "--path", str(folder)])
    assert result.exit_code != 0 and err.value.message in result.output
    return err.value.message


@pytest.mark.parametrize("change,what", [
    (lambda d: d["criteria"]["cost"].update(vikt=2), "scoring.yaml, criterion 'cost': unknown key 'vikt'"),
    (lambda d: d.update(kriterier={}), "scoring.yaml: unknown key 'kriterier'"),
    (lambda d: d["criteria"]["effect"].update(weight=0), "scoring.yaml, criterion 'effect': weight: Input should be "
                                                         "greater than 0"),
    (lambda d: d["criteria"]["effect"].update(weight=-2), "scoring.yaml, criterion 'effect': weight"),
    (lambda d: d["criteria"]["effect"].update(weight=1.5), "scoring.yaml, criterion 'effect': weight"),
    (lambda d: d["criteria"]["certainty"]["scale"].pop(3), "scoring.yaml, criterion 'certainty': scale: the steps "
                                                           "must be numbered 1, 2, 3 … without gaps (found 1, 2, 4)"),
    (lambda d: d["criteria"]["certainty"].update(scale={0: "Ingen", 1: "Liten"}), "criterion 'certainty': scale: "
                                                                                  "the steps must be numbered"),
    (lambda d: d["criteria"]["cost"].update(better="billigare"), "scoring.yaml, criterion 'cost': better"),
    (lambda d: d["criteria"]["cost"].update(scale={1: "Låg"}), "scoring.yaml, criterion 'cost': scale"),
    (lambda d: d["criteria"]["cost"]["scale"].update({2: ""}), "scoring.yaml, criterion 'cost': scale"),
], ids=["unknown-key", "unknown-top-key", "weight-zero", "weight-negative", "weight-fraction", "scale-gap",
        "scale-from-zero", "better", "one-step", "empty-label"])
def test_a_broken_model_is_refused_naming_file_and_criterion(tmp_path, change, what):
    assert what in _broken(tmp_path, change)


def test_a_scores_field_needs_the_model(tmp_path):
    folder = tmp_path / "workflows"
    shutil.copytree(WORKFLOWS_PATH, folder)
    (folder / "scoring.yaml").unlink()
    with pytest.raises(WorkflowDefinitionError, match="transition 'prioritise', field 'scores': a scores field "
                                                      "needs the scoring model, scoring.yaml"):
        load_workflows(folder)


def test_workflows_check_reports_the_model():
    result = CliRunner().invoke(main, ["workflows", "check", "--path", str(WORKFLOWS_PATH)])
    assert "scoring.yaml: 4 kriterier, högst 40 poäng — OK" in result.output


# --- the score in SQL is the score in Python ------------------------------------------------------

def test_the_sql_score_equals_the_python_score(session, users):
    model = get_workflows().scoring
    rng = random.Random(13)
    judgements = [None, {"effect": 2}, {**SCORES, "retired": 1}] + [
        {c.name: rng.randint(1, c.top) for c in model.criteria} for _ in range(40)]
    ids = [measure_in_state(session, users, "proposed", title=f"Förslag {i}").id for i in range(len(judgements))]
    for measure_id, scores in zip(ids, judgements):  # any judgement, also one no service would store
        session.execute(Measure.__table__.update().where(Measure.id == measure_id).values(scores=scores))
    session.commit()
    in_sql = dict(session.execute(select(Measure.id, score_expression()).where(Measure.id.in_(ids))).all())
    assert [in_sql[i] for i in ids] == [model.score(s) for s in judgements]


# --- the ranked list ------------------------------------------------------------------------------

def _ranked_measures(session, users):
    """Two tied at 30 (older first), one at 37, one judged by an edit, one not judged, one decided (not ranked)."""
    tie_a = measure_in_state(session, users, "prioritised", title="Lika A")
    top = measure_in_state(session, users, "prioritised", title="Högst",
                           scores={"effect": 3, "certainty": 4, "cost": 1, "time_to_effect": 1})
    tie_b = measure_in_state(session, users, "prioritised", title="Lika B")
    unjudged = measure_in_state(session, users, "proposed", title="Inte bedömd")
    edited = measure_in_state(session, users, "proposed", title="Bedömd i efterhand")
    update_measure(session, users["steering"], edited.id, {"scores": {"effect": "Liten", "certainty": 1,
                                                                      "cost": "4", "time_to_effect": 4}}, None)
    measure_in_state(session, users, "decided", title="Redan beslutad")
    return [top.id, tie_a.id, tie_b.id, edited.id, unjudged.id]


def test_the_ranking_orders_by_score_ties_by_number_unjudged_last(session, users):
    expected = _ranked_measures(session, users)
    view = ranking(session, users["steering"])
    assert view.states == ("proposed", "prioritised") == ranking_states()  # by the tag `ranked`
    assert [i.id for i in view.items] == expected
    assert [(i.rank, i.score) for i in view.items] == [(1, 37), (2, 30), (3, 30), (4, 10), (None, None)]
    assert view.maximum == 40 and view.unscored == 1


def test_a_changed_weight_reranks_at_once(session, users, tmp_path):
    ids = _ranked_measures(session, users)
    folder = tmp_path / "workflows"
    shutil.copytree(WORKFLOWS_PATH, folder)
    data = yaml.safe_load((folder / "scoring.yaml").read_text(encoding="utf-8"))
    data["criteria"]["cost"]["weight"] = 20  # cost now decides: the cheap one (cost 1) beats the ties (cost 2)
    (folder / "scoring.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    shipped = get_workflows()
    configure(folder)
    try:
        view = ranking(session, users["steering"])
        assert [i.score for i in view.items][:3] == [3 * 3 + 4 * 4 + 20 * 4 + 1 * 4, 3 * 3 + 4 * 3 + 20 * 3 + 3,
                                                      3 * 3 + 4 * 3 + 20 * 3 + 3]
        assert [i.id for i in view.items] == ids
    finally:
        configure(shipped)


def test_the_page_the_api_and_the_sorted_list_agree(make_web_app, api, session, users):
    expected = _ranked_measures(session, users)
    st, body = api.call("GET", "/measures/ranking", as_user="steering")
    assert st == 200
    assert [i["id"] for i in body["items"]] == expected
    assert [i["rank"] for i in body["items"]] == [1, 2, 3, 4, None]
    assert body["items"][0]["breakdown"][1] == {"criterion": "certainty", "step": 4, "points": 4, "contribution": 16,
                                                "step_label": "Mätbar och uppföljd med indikator"}
    assert [c["name"] for c in body["criteria"]] == ["effect", "certainty", "cost", "time_to_effect"]
    assert body["criteria"][2]["better"] == "lower" and body["criteria"][2]["scale"][0] == {"value": 1, "label": "Låg"}
    st, listed = api.call("GET", "/measures?state=proposed&state=prioritised&sort=-score", as_user="contributor")
    assert [m["id"] for m in listed["items"]] == expected
    assert [m["score"] for m in listed["items"]] == [37, 30, 30, 10, None]
    assert listed["items"][0]["scores"] == {"effect": 3, "certainty": 4, "cost": 1, "time_to_effect": 1}
    client = sign_in(make_web_app(), session, users["steering"])
    html = client.get("/atgarder/rangordning").get_data(as_text=True)
    assert [int(i) for i in re.findall(r'data-measure="(\d+)"', html)] == expected
    assert "Redan beslutad" not in html and "Ej bedömd" in html
    assert 'href="/atgarder/rangordning"' in html  # reachable from the menu
    page = client.get("/atgarder?sortera=score&ordning=fallande").get_data(as_text=True)
    listed_ids = [int(i) for i in re.findall(r'<td>(\d+)</td>\s*<td><a href="/atgarder/\1"', page)]
    assert [i for i in listed_ids if i in expected] == expected


@pytest.mark.parametrize("role", ROLES)
def test_who_sees_the_ranking_is_the_rank_action_in_the_yaml(make_web_app, api, session, users, role):
    allowed = may(users[role], "rank", kind="measure")
    declared = get_workflows().current("measure").actions["rank"].grants[0].roles
    assert allowed == (role in declared)
    st, _ = api.call("GET", "/measures/ranking", as_user=role)
    assert st == (200 if allowed else 403)
    client = sign_in(make_web_app(), session, users[role])
    assert client.get("/atgarder/rangordning").status_code == (200 if allowed else 403)
    assert ('href="/atgarder/rangordning"' in client.get("/").get_data(as_text=True)) == allowed


# --- the judgement: filled in at prioritise, edited afterwards ------------------------------------

def _counts(session, measure_id):
    session.rollback()  # a fresh read: what other sessions (the web app's) have committed since
    session.expire_all()
    m = session.get(Measure, measure_id)
    history = session.scalar(select(func.count(HistoryEntry.id)).where(HistoryEntry.case_kind == "measure",
                                                                        HistoryEntry.case_id == measure_id))
    return m.state, m.version, m.scores, history


@pytest.mark.parametrize("scores,message", [
    ({**SCORES, "certainty": 7}, "Säkerställd effekt ska vara ett steg från 1 till 4"),
    ({**SCORES, "cost": "gratis"}, "Kostnad och insats ska vara ett steg från 1 till 4"),
    ({**SCORES, "effect": True}, "Effektens storlek ska vara ett steg från 1 till 4"),
    ({k: v for k, v in SCORES.items() if k != "time_to_effect"}, "Tid till effekt saknas"),
    ({**SCORES, "lycka": 3}, "Okänt kriterium: lycka"),
    ("hög", "Ange ett steg för varje kriterium."),
], ids=["outside-scale", "unknown-label", "boolean", "missing", "unknown-criterion", "not-an-object"])
def test_a_bad_judgement_is_refused_in_swedish_and_nothing_is_written(session, users, api, scores, message):
    m = measure_in_state(session, users, "proposed")
    before = _counts(session, m.id)
    with pytest.raises(ValidationError) as err:
        fire(session, users["council"], ("measure", m.id), "prioritise",
             {"priority": 1, "category": "retain", "expected_effect": "Färre slutar.", "scores": scores})
    assert message in err.value.fields["scores"]
    assert _counts(session, m.id) == before
    st, body = api.call("POST", f"/measures/{m.id}/transitions", {
        "trigger": "prioritise", "version": before[1], "priority": 1, "category": "retain",
        "expected_effect": "Färre slutar.", "scores": scores}, as_user="council")
    assert st == 422 and message in body["error"]["fields"]["scores"]
    assert _counts(session, m.id) == before


def test_prioritising_without_a_judgement_still_works_and_the_measure_is_unjudged(session, users, api):
    """The judgement is optional at prioritise: API clients written before the scoring model keep working."""
    m = measure_in_state(session, users, "proposed")
    st, body = api.call("POST", f"/measures/{m.id}/transitions", {
        "trigger": "prioritise", "version": _counts(session, m.id)[1], "priority": 2, "category": "retain",
        "expected_effect": "Färre slutar."}, as_user="council")
    assert st == 200, body
    state, _version, scores, _history = _counts(session, m.id)
    assert state == "prioritised" and not scores


def test_the_web_forms_take_and_refuse_a_judgement(make_web_app, session, users):
    m = measure_in_state(session, users, "proposed")
    client = sign_in(make_web_app(), session, users["council"])
    form = client.get(f"/atgarder/{m.id}/steg/prioritise").get_data(as_text=True)
    assert all(f'name="scores.{c}"' in form for c in SCORES)
    assert "4 – Mätbar och uppföljd med indikator" in form
    post = {"version": str(m.version), "priority": "1", "category": "retain", "expected_effect": "Färre slutar.",
            **{f"scores.{c}": str(v) for c, v in SCORES.items()}}
    refused = client.post(f"/atgarder/{m.id}/steg/prioritise", data={**post, "scores.effect": "9"})
    assert refused.status_code == 422
    assert "Effektens storlek ska vara ett steg från 1 till 4" in refused.get_data(as_text=True)
    assert _counts(session, m.id)[0] == "proposed"
    done = client.post(f"/atgarder/{m.id}/steg/prioritise", data=post)
    assert done.status_code == 302
    assert _counts(session, m.id)[2] == SCORES
    page = client.get(f"/atgarder/{m.id}").get_data(as_text=True)
    assert "Poäng: 30 av 40." in page and 'id="score-certainty">12<' in page


def test_whoever_may_edit_changes_the_judgement_with_history(make_web_app, session, users):
    m = measure_in_state(session, users, "prioritised")
    client = sign_in(make_web_app(), session, users["steering"])
    edit = client.get(f"/atgarder/{m.id}/andra").get_data(as_text=True)
    assert '<option value="3" selected>3 – Stor</option>' in edit  # the stored judgement is shown
    values = {f"scores.{c}": str(v) for c, v in {**SCORES, "certainty": 4}.items()}
    assert client.post(f"/atgarder/{m.id}/andra", data={"version": str(m.version), "title": m.title,
                                                         **values}).status_code == 302
    state, _, scores, _ = _counts(session, m.id)
    assert scores["certainty"] == 4 and state == "prioritised"
    entry = session.scalars(select(HistoryEntry).where(HistoryEntry.case_id == m.id, HistoryEntry.trigger == "edit")
                            ).all()[-1]
    assert entry.fields["scores"]["from"]["certainty"] == 3 and entry.fields["scores"]["to"]["certainty"] == 4
    history = client.get(f"/atgarder/{m.id}").get_data(as_text=True)  # the history says it in words
    assert "Säkerställd effekt 3 (Mätbar med befintliga uppgifter)" in history
    assert "Säkerställd effekt 4 (Mätbar och uppföljd med indikator)" in history
    # A contributor who did not propose it may not.
    other = sign_in(make_web_app(), session, users["contributor"])
    session.execute(Measure.__table__.update().where(Measure.id == m.id).values(proposer_id=users["steering"].id))
    session.commit()
    assert other.get(f"/atgarder/{m.id}/andra").status_code == 403


def test_the_api_lists_by_score_and_describes_the_field(api, session, users):
    _ranked_measures(session, users)
    st, spec = api.call("GET", "/openapi.json")
    assert "scores" in spec["components"]["schemas"]["UpdateMeasure"]["properties"]
    items, _ = list_measures(session, MeasureFilter(states=["proposed", "prioritised"]), sort="score")
    scores = [get_workflows().scoring.score(m.scores) for m in items]
    assert scores == [10, 30, 30, 37, None]  # ascending, unjudged still last


def test_the_pdf_holds_the_same_list_in_the_same_order(make_web_app, api, session, users):
    from tests.pdf_checks import assert_in_order, embedded_json, pdfa_part, text

    expected = _ranked_measures(session, users)
    titles = {m.id: m.title for m in session.scalars(select(Measure).where(Measure.id.in_(expected)))}
    client = sign_in(make_web_app(), session, users["council"])
    response = client.get("/atgarder/rangordning.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    content = response.get_data()
    assert_in_order(text(content), ["Rangordning av åtgärder som väntar på beslut", "Säkerställd effekt",
                                    *[f"{i}. {titles[i]}" for i in expected]])
    assert "Redan beslutad" not in text(content)
    assert [i["id"] for i in embedded_json(content)["items"]] == expected
    assert pdfa_part(content)[0] == "3"
    st, body = api.call("GET", "/measures/ranking", as_user="council")
    assert [i["score"] for i in embedded_json(content)["items"]] == [i["score"] for i in body["items"]]


def test_the_demo_shows_a_ranked_list(session, users):
    from kfflow.models import User
    from kfflow.services.demo import load_demo

    assert load_demo(session)
    view = ranking(session, session.scalar(select(User).where(User.username == "stina")))
    assert [(i.title, i.score) for i in view.items] == [
        ("Utökad användning av digitala skyddsronder", 37), ("Heltid som norm i vården", 34),
        ("Mer filmat utbildningsmaterial i KTC", 30), ("Förankrad bemanningsnorm och prioriteringsordning", 30),
        ("Länsgemensam samverkan i kompetensförsörjningsfrågor", 21), ("Enklare schemaläggning via app", None)]
    assert {i.state for i in view.items} == {"proposed", "prioritised"}
