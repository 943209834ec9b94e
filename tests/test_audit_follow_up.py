"""The follow-up of an audit: each flag, recurring recommendations (rapidfuzz, threshold in YAML), the page
equal to the API, the PDF read back, the rule in audit.yaml, and odd characters through page, API and PDF."""
from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
import yaml

from kfflow.services.audit_follow_up import audit_follow_up, follow_up_document
from kfflow.services.audits import add_recommendation, register_audit, update_recommendation
from kfflow.services.cases import fire
from kfflow.services.indicators import add_indicator, add_measurement
from kfflow.services.measures import add_progress_report
from kfflow.services.recurring import load_follow_up_rules
from kfflow.workflow import configure, get_workflows, load_workflows

from tests.audit_factories import registered_audit
from tests.conftest import NOW, WORKFLOWS_PATH, future
from tests.factories import measure_in_state
from tests.pdf_checks import assert_in_order, embedded_json, structure, text
from tests.test_documents_accessible import assert_accessible_archival, headings
from tests.web_support import sign_in
from tests.workflow_copies import changed_copy

ODD = "Mål <b>&amp;</b> \"citat\" 'apostrof' — Ω ≤ 7,5 % ÅÄÖ åäö ñ ß ł"
REASON = "Finansieringen prövas i den ordinarie budgetprocessen; ingen särskild åtgärd."
EARLIER_TEXT = "Regionstyrelsen bör säkerställa att beslutade åtgärder följs upp och att effekterna av dem mäts och redovisas."
RECURRING_TEXT = "Regionstyrelsen bör säkerställa att beslutade åtgärder följs upp och att deras effekt mäts."
UNRELATED_TEXT = "Regionstyrelsen bör verka för en långsiktig finansiering som möjliggör en fortsättning av pågående arbete."
HOUR = timedelta(hours=1)


def followed_audit(session, users, *, title_prefix=""):
    """Five answered recommendations, the yttrande adopted an hour after NOW:
    1 → an implemented measure (no flag); 2 → a decided measure (late after its due date) and the implemented one;
    3 → no measure, with a reason; 4 → a measure rejected and one withdrawn after the answer;
    5 → a measure rejected before the answer was adopted (not flagged)."""
    audit = registered_audit(session, users, received="2022-11-15")
    late = measure_in_state(session, users, "decided", title=f"{title_prefix}Mål och mätetal för handlingsplanen")
    done = measure_in_state(session, users, "implemented", title="Reviderad delegationsordning")
    rejected = measure_in_state(session, users, "prioritised", title="Lägesbild två gånger per år")
    withdrawn = measure_in_state(session, users, "proposed", title="Förstudie om arbetshubbar")
    before = measure_in_state(session, users, "proposed", title="Gemensam rekryteringskampanj")
    plan = [(f"{title_prefix}Säkerställ tydliga mål och mätetal i handlingsplanen.", [done]),
            ("Tydliggör ansvarsfördelningen mellan styrgruppen och rådet.", [late, done]),
            (UNRELATED_TEXT, []),
            ("Inför en regelbunden lägesbild till regionstyrelsen.", [rejected, withdrawn]),
            ("Samordna rekryteringen mellan förvaltningarna.", [before])]
    for number, (rec_text, measures) in enumerate(plan, start=1):
        rec = add_recommendation(session, users["registrar"], audit.id, number, rec_text, now=NOW)
        changes = {"answer": f"Svar på rekommendation {number}.", "measure_ids": [m.id for m in measures]}
        if not measures:
            changes["no_measure_reason"] = REASON
        update_recommendation(session, users["registrar"], rec.id, changes, None, now=NOW)
    fire(session, users["steering"], before, "reject", {"reason": "Ryms inte."}, now=NOW + HOUR / 2)
    fire(session, users["registrar"], audit, "start_drafting", {}, now=NOW)
    fire(session, users["registrar"], audit, "decide",
         {"body": "Regionstyrelsen", "meeting_date": "2026-03-02", "paragraph": "§ 81"}, now=NOW + HOUR)
    fire(session, users["steering"], rejected, "reject", {"reason": "Ryms inte i budget."}, now=NOW + 2 * HOUR)
    fire(session, users["steering"], withdrawn, "withdraw", {"reason": "Dubblett."}, now=NOW + 2 * HOUR)
    add_progress_report(session, users["owner"], late.id, done=f"Gjort {ODD}", ongoing="Workshop pågår.",
                        planned=None, now=NOW + 2 * HOUR)
    indicator = add_indicator(session, users["owner"], late.id, {
        "name": "Åtgärder med mätetal", "unit": "%", "direction": "higher", "baseline": 20,
        "baseline_date": "2025-12-31", "target": 90, "target_date": "2027-12-31", "frequency_days": 365}, now=NOW)
    add_measurement(session, users["owner"], indicator.id, {"value": 45.5, "date": "2026-03-01"}, now=NOW)
    session.refresh(audit)
    return audit, {"late": late, "done": done, "rejected": rejected, "withdrawn": withdrawn, "before": before}


def _flags(view) -> dict[int, list[tuple]]:
    return {r.number: [(f.code, f.measure_id) for f in r.flags] for r in view.recommendations}


def test_each_flag_follows_the_measures_and_their_history(session, users):
    audit, m = followed_audit(session, users)
    before_due = audit_follow_up(session, users["contributor"], audit.id, today=NOW.date())
    assert _flags(before_due) == {1: [], 2: [], 3: [("no_measure", None)],
                                  4: [("dropped", m["rejected"].id), ("dropped", m["withdrawn"].id)],
                                  5: []}  # rejected before the answer was adopted: not "after the answer"
    (no_measure,) = before_due.recommendations[2].flags
    assert no_measure.detail == REASON and no_measure.label == "Ingen åtgärd"
    assert "avslagen 2026-03-02" in before_due.recommendations[3].flags[0].detail
    # After the decided measure's due date it is late (can_be_late); the implemented one never is.
    after_due = audit_follow_up(session, users["contributor"], audit.id, today=future(31))
    assert _flags(after_due)[2] == [("late", m["late"].id)] and _flags(after_due)[1] == []
    rec2 = after_due.recommendations[1]
    assert [(x.id, x.state, x.late) for x in rec2.measures] == [(m["late"].id, "decided", True),
                                                                (m["done"].id, "implemented", False)]
    promised = rec2.measures[0]
    assert promised.latest_progress.done == f"Gjort {ODD}"
    (line,) = promised.indicators
    assert (line.baseline, line.latest.value, line.target) == (20, 45.5, 90)
    assert after_due.flag_count("dropped") == 2 and after_due.flag_count("late") == 1
    assert after_due.recommendations[0].answer_adopted_at is not None


def _audit_with(session, users, number: str, received: str, texts: list[str]):
    audit = register_audit(session, users["registrar"], {"name": "Granskning", "number": number,
                                                         "subject": "Kompetensförsörjning", "received": received})
    for n, rec_text in enumerate(texts, start=1):
        add_recommendation(session, users["registrar"], audit.id, n, rec_text)
    return audit


def test_a_recommendation_like_an_earlier_audits_recurs_and_an_unlike_one_does_not(session, users):
    earlier = _audit_with(session, users, "3/2019", "2019-05-01",
                          [EARLIER_TEXT, "Tydliggör ansvaret för kompetensförsörjningen i förvaltningarna."])
    current = _audit_with(session, users, "7/2022", "2022-11-15", [RECURRING_TEXT, UNRELATED_TEXT])
    later = _audit_with(session, users, "2/2025", "2025-02-01", [RECURRING_TEXT])
    view = audit_follow_up(session, users["contributor"], current.id)
    recurring, unrelated = view.recommendations
    assert recurring.recurring_of is not None and unrelated.recurring_of is None
    assert (recurring.recurring_of.audit_id, recurring.recurring_of.number) == (earlier.id, 1)
    assert recurring.recurring_of.score >= load_follow_up_rules(WORKFLOWS_PATH, get_workflows()).recurring.threshold
    # Only earlier audits count: the first audit repeats nobody, the later one repeats the current one word for word.
    assert audit_follow_up(session, users["contributor"], earlier.id).recommendations[0].recurring_of is None
    (again,) = audit_follow_up(session, users["contributor"], later.id).recommendations
    assert again.recurring_of.audit_id == current.id and again.recurring_of.score == 100


def _page_facts(html: str) -> dict:
    facts = {}
    for number, body in re.findall(r'<section class="follow-up"[^>]*data-number="(\d+)">(.*?)</section>', html, re.S):
        facts[int(number)] = {
            "flags": [(code, int(mid) if mid else None) for code, mid in
                      re.findall(r'data-flag="(\w+)" data-measure="(\d*)"', body)],
            "measures": [(int(mid), state, late == "true") for mid, state, late in
                         re.findall(r'<tr data-measure="(\d+)" data-state="(\w+)" data-late="(\w+)"', body)],
            "recurring_of": int(m.group(1)) if (m := re.search(r'data-recurring-of="(\d+)"', body)) else None}
    return facts


def test_the_page_shows_what_the_api_says(make_web_app, api, session, users):
    earlier = _audit_with(session, users, "3/2019", "2019-05-01", [EARLIER_TEXT])
    audit, _ = followed_audit(session, users)
    add_recommendation(session, users["registrar"], audit.id, 6, RECURRING_TEXT)  # after the decision: registrar
    status, body = api.call("GET", f"/audits/{audit.id}/follow-up", as_user="contributor")
    assert status == 200, body
    from_api = {r["number"]: {"flags": [(f["code"], f["measure_id"]) for f in r["flags"]],
                              "measures": [(x["id"], x["state"], x["late"]) for x in r["measures"]],
                              "recurring_of": (r["recurring_of"] or {}).get("recommendation_id")}
                for r in body["recommendations"]}
    # The real clock is past the decided measure's due date: it is late on both.
    assert from_api[2]["flags"] == [("late", from_api[2]["measures"][0][0])]
    assert from_api[6]["recurring_of"] == earlier.recommendations[0].id and from_api[1]["recurring_of"] is None
    assert {code for r in from_api.values() for code, _ in r["flags"]} == {"late", "no_measure", "dropped"}
    client = sign_in(make_web_app(), session, users["contributor"])
    html = client.get(f"/granskningar/{audit.id}/uppfoljning").get_data(as_text=True)
    assert _page_facts(html) == from_api
    for code in ("late", "no_measure", "dropped"):
        count = sum(1 for r in from_api.values() for c, _ in r["flags"] if c == code)
        assert f'id="count-{code}">{count}<' in html
    assert f'href="/rekommendationer/{earlier.recommendations[0].id}"' in html  # the link to the earlier one
    audit_page = client.get(f"/granskningar/{audit.id}").get_data(as_text=True)
    assert f'href="/granskningar/{audit.id}/uppfoljning"' in audit_page


def test_the_pdf_reads_back_with_its_structure(session, users):
    audit, _ = followed_audit(session, users)
    found = follow_up_document(session, users["contributor"], audit.id, now=NOW + 3 * HOUR)
    assert found.media_type == "application/pdf" and found.filename == "RS-351-2022-uppfoljning.pdf"
    elements = assert_accessible_archival(found.content)
    per_rec = {1: 3, 2: 4, 3: 3, 4: 3, 5: 3}  # Svar, Flaggor, Utlovade åtgärder (+ Indikatorer)
    assert headings(elements) == ["H1"] + [h for n in sorted(per_rec) for h in ["H2"] + ["H3"] * per_rec[n]]
    assert sum(e["tag"] == "Table" for e in elements) == 5  # measures of 1, 2, 4, 5 and the indicators of 2
    content = text(found.content)
    assert_in_order(content, ["Uppföljning av granskning: Fördjupad granskning nr 7/2022",
                              "Rekommendation 2", "Mål och mätetal för handlingsplanen", "Beslutad",
                              "Åtgärder med mätetal", "45,5", "Rekommendation 3", "Ingen åtgärd", REASON,
                              "Rekommendation 4", "Åtgärd avslagen eller återkallad efter svaret",
                              "Lägesbild två gånger per år: avslagen 2026-03-02"])
    data = embedded_json(found.content)
    assert data["kind"] == "uppfoljning" and data["counts"]["dropped"] == 2
    assert [r["number"] for r in data["recommendations"]] == [1, 2, 3, 4, 5]


def test_odd_characters_survive_page_api_and_pdf(make_web_app, api, session, users):
    audit, _ = followed_audit(session, users, title_prefix=ODD + " ")
    status, body = api.call("GET", f"/audits/{audit.id}/follow-up", as_user="owner")
    assert status == 200
    assert body["recommendations"][0]["text"].startswith(ODD)
    assert body["recommendations"][1]["measures"][0]["title"].startswith(ODD)
    assert body["recommendations"][1]["measures"][0]["latest_progress"]["done"] == f"Gjort {ODD}"
    html = sign_in(make_web_app(), session, users["owner"]).get(f"/granskningar/{audit.id}/uppfoljning") \
        .get_data(as_text=True)
    assert "<b>" not in html.split("<main", 1)[1]  # escaped, never markup
    assert unescape(html).count(ODD) >= 3  # recommendation, measure title, progress report
    pdf = follow_up_document(session, users["owner"], audit.id, now=NOW)
    assert text(pdf.content).count(ODD) >= 3
    assert [e for e in structure(pdf.content) if e["tag"] == "H1"]
    status, response = api.call("GET", f"/audits/{audit.id}/uppfoljning.pdf", as_user="owner")
    assert status == 200


@pytest.fixture
def restore_workflows():
    yield
    configure(load_workflows(WORKFLOWS_PATH))  # the rest of the run uses the shipped rules


def test_who_may_see_it_and_the_threshold_are_the_yaml(restore_workflows, tmp_path, make_web_app, session, users):
    from tests.api_support import Api

    earlier = _audit_with(session, users, "3/2019", "2019-05-01", [EARLIER_TEXT])
    current = _audit_with(session, users, "7/2022", "2022-11-15", [RECURRING_TEXT])
    folder = changed_copy(tmp_path, "audit.yaml",
                          lambda d: d["actions"]["view_follow_up"].update(roles=["steering", "registrar"]))
    rules = yaml.safe_load((folder / "follow_up.yaml").read_text(encoding="utf-8"))
    rules["recurring"]["threshold"] = 99.5
    (folder / "follow_up.yaml").write_text(yaml.safe_dump(rules), encoding="utf-8")
    app = make_web_app({"workflows_path": folder})
    api = Api(app.test_client(), session)
    assert api.call("GET", f"/audits/{current.id}/follow-up", as_user="contributor")[0] == 403
    assert api.call("GET", f"/audits/{current.id}/uppfoljning.pdf", as_user="contributor")[0] == 403
    contributor = sign_in(app, session, users["contributor"])
    assert contributor.get(f"/granskningar/{current.id}/uppfoljning").status_code == 403
    assert "/uppfoljning" not in contributor.get(f"/granskningar/{current.id}").get_data(as_text=True)
    status, body = api.call("GET", f"/audits/{current.id}/follow-up", as_user="steering")
    assert status == 200 and body["recommendations"][0]["recurring_of"] is None  # 92 < 99.5
    assert earlier.id != current.id


def test_a_wrong_follow_up_rule_is_refused_naming_the_key(tmp_path):
    from kfflow.errors import WorkflowDefinitionError

    (tmp_path / "follow_up.yaml").write_text(
        "flags: {dropped_states: [rejectd]}\nrecurring: {scorer: token_set_ratio, threshold: 80}")
    with pytest.raises(WorkflowDefinitionError, match="dropped_states: no measure state rejectd"):
        load_follow_up_rules(tmp_path, get_workflows())
    (tmp_path / "follow_up.yaml").write_text(
        "flags: {dropped_states: [rejected]}\nrecurring: {scorer: levenshtein, threshold: 180}")
    with pytest.raises(WorkflowDefinitionError, match="recurring.scorer") as exc:
        load_follow_up_rules(tmp_path, get_workflows())
    assert "recurring.threshold" in exc.value.message


def test_the_demo_follow_up_shows_every_flag_and_a_recurring_recommendation(session):
    from sqlalchemy import select

    from kfflow.models import Audit, User
    from kfflow.services.demo import load_demo

    load_demo(session)
    sample = session.scalar(select(Audit).where(Audit.number == "7/2022"))
    earlier = session.scalar(select(Audit).where(Audit.number == "4/2019"))
    view = audit_follow_up(session, session.scalar(select(User).where(User.username == "anna")), sample.id)
    assert {f.code for r in view.recommendations for f in r.flags} == {"late", "no_measure", "dropped"}
    assert [(r.number, r.recurring_of.audit_id) for r in view.recommendations if r.recurring_of] == [(3, earlier.id)]
