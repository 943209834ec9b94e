"""The interim report (delrapport) and the final report (slutredovisning), read back from the PDF."""
from datetime import timedelta

import pytest

from kfflow.documents.reports import state_chart
from kfflow.errors import ValidationError
from kfflow.services.cases import fire
from kfflow.services.documents import render_delrapport, render_slutredovisning
from kfflow.services.handover import hand_over
from kfflow.services.measures import add_progress_report, propose_measure, update_measure

from tests.conftest import NOW
from tests.factories import SCORES, measure_in_state
from tests.pdf_checks import (assert_in_order, embedded_json, first_page_ink, pdfa_part, qpdf_check, reader,
                              text)

START, END = NOW.date() - timedelta(days=7), NOW.date()
EARLY = NOW - timedelta(days=60)


def overdue_measure(session, users):
    """Decided two months ago with a due date that has now passed."""
    m = propose_measure(session, users["contributor"], {"title": "Löneöversyn för sjuksköterskor"}, now=EARLY)
    fire(session, users["steering"], m, "prioritise",
         {"priority": 1, "category": "recruit", "expected_effect": "Fler sökande.",
          "scores": SCORES}, now=EARLY)
    fire(session, users["steering"], m, "decide",
         {"owner": "owner", "due_date": (EARLY + timedelta(days=10)).date().isoformat(),
          "decision_ref": "Styrgruppen SLK 2026-01-01"}, now=EARLY)
    return m


@pytest.fixture
def programme(session, users):
    portal = measure_in_state(session, users, "decided", title="Förmånsportal, införande")
    survey = measure_in_state(session, users, "evaluated", title="Enkät till äldre medarbetare")
    late = overdue_measure(session, users)
    idea = propose_measure(session, users["contributor"], {"title": "Fri frukost för nattpersonal"}, now=NOW)
    update_measure(session, users["steering"], portal.id, {"working_group": "Löner och förmåner"}, None, now=NOW)
    update_measure(session, users["steering"], survey.id, {"category": "retain", "working_group": "Arbetsmiljö"},
                   None, now=NOW)
    add_progress_report(session, users["owner"], portal.id, done="Gammal rapport.", ongoing=None, planned=None,
                        reported_on=START - timedelta(days=20), now=NOW)
    add_progress_report(session, users["owner"], portal.id, done="Portalen är upphandlad.",
                        ongoing="Införandet pågår på två förvaltningar.", planned="Utvärdering under hösten.",
                        reported_on=END - timedelta(days=1), now=NOW)
    add_progress_report(session, users["owner"], portal.id, done="Rapport efter perioden.", ongoing=None,
                        planned=None, reported_on=END + timedelta(days=3), now=NOW)
    return {"portal": portal, "survey": survey, "late": late, "idea": idea}


def test_delrapport(session, users, programme, tmp_path):
    pdf = render_delrapport(session, users["contributor"], START.isoformat(), END.isoformat(),
                            diarienummer="RS/351/2022", now=NOW)
    body = text(pdf)
    data = embedded_json(pdf)
    assert data["period"] == {"from": START.isoformat(), "to": END.isoformat()}
    counts = {row["state"]: dict(zip(data["categories"], row["cells"])) for row in data["counts"]}
    assert counts["Beslutad"] == {"Behålla": 0, "Rekrytera": 2, "Utveckla": 0, "Utan kategori": 0}
    assert counts["Utvärderad"]["Behålla"] == 1 and counts["Föreslagen"]["Utan kategori"] == 1
    assert data["measure_count"] == 4
    events = {e["key"]: [r["title"] for r in e["rows"]] for e in data["events"]}
    assert events == {"decide": ["Förmånsportal, införande", "Enkät till äldre medarbetare"],
                      "implement": ["Enkät till äldre medarbetare"], "evaluate": ["Enkät till äldre medarbetare"]}
    assert [m["title"] for m in data["overdue"]] == ["Löneöversyn för sjuksköterskor"]
    assert_in_order(body, [
        "Delrapport", "Åtgärder per läge och kategori", "Figur 1", "Under perioden",
        "Beslutad (2)", "Förmånsportal, införande", "Utvärderad (1)", "Enkät till äldre medarbetare", "Uppnådd",
        "Försenade åtgärder (1)", "Löneöversyn för sjuksköterskor", "Test owner",
        "Arbetsgruppernas lägesrapporter", "Löner och förmåner", "Vad är gjort?", "Portalen är upphandlad.",
        "Vad pågår?", "Införandet pågår på två förvaltningar.", "Vad finns planerat?", "Utvärdering under hösten."])
    assert "Gammal rapport." not in body and "Rapport efter perioden." not in body
    assert "Dnr: RS/351/2022" in body and "Sida 1 av" in body
    assert pdfa_part(pdf) == ("3", "A")
    assert qpdf_check(pdf, tmp_path).returncode == 0
    assert first_page_ink(pdf, tmp_path) > 0.01
    # The chart is drawn into the page as vector graphics (forms, no raster image fetched or embedded).
    xobjects = reader(pdf).pages[0]["/Resources"]["/XObject"]
    assert xobjects and {x.get_object()["/Subtype"] for x in xobjects.values()} == {"/Form"}


def test_delrapport_period_is_validated(session, users):
    with pytest.raises(ValidationError) as err:
        render_delrapport(session, users["owner"], "2026-03-02", "2026-02-01", now=NOW)
    assert set(err.value.fields) == {"to"}
    with pytest.raises(ValidationError) as err:
        render_delrapport(session, users["owner"], "igår", "", now=NOW)
    assert set(err.value.fields) == {"from", "to"}


def test_slutredovisning(session, users, programme, tmp_path):
    hand_over(session, users["steering"], from_owner="owner", to_owner="other_owner",
              reason="Särskild ledning avvecklas; HR tar över", now=NOW)
    pdf = render_slutredovisning(session, users["owner"], now=NOW)
    body = text(pdf)
    assert_in_order(body, [
        "Slutredovisning", "Av styrgruppen beslutade åtgärder",
        "Behålla", "Enkät till äldre medarbetare",
        "Rekrytera", "Förmånsportal, införande", "Löneöversyn för sjuksköterskor",
        "Utveckla", "Inga beslutade åtgärder.",
        "Delområdenas slutrapportering", "Löner och förmåner", "Vad är gjort?", "Rapport efter perioden.",
        "Överlämning av pågående ärenden", "2 ärenden pågår; 2 av dem har lämnats över",
        "Förmånsportal, införande", "från Test owner till Annan ansvarig"])
    assert "Fri frukost för nattpersonal" not in body  # proposals are not decided measures
    data = embedded_json(pdf)
    handed = {c["title"]: c["handover"] for c in data["open_cases"]}
    assert handed["Löneöversyn för sjuksköterskor"] == {
        "date": NOW.date().isoformat(), "from": "Test owner", "to": "Annan ansvarig",
        "reason": "Särskild ledning avvecklas; HR tar över"}
    assert pdfa_part(pdf) == ("3", "A")


def test_state_chart_geometry():
    states = [("decided", "Beslutad"), ("implemented", "Genomförd")]
    categories = [("retain", "Behålla"), ("recruit", "Rekrytera"), (None, "Utan kategori")]
    chart = state_chart({("decided", "retain"): 2, ("implemented", "retain"): 2, ("decided", "recruit"): 1},
                        states, categories, width=200, label_width=40)
    assert [b["label"] for b in chart["bars"]] == ["Behålla", "Rekrytera"]  # empty categories left out
    retain, recruit = chart["bars"]
    # (200 - 40 label - 40 for the total) / 4 measures in the longest bar = 30 per measure
    assert [s["width"] for s in retain["segments"]] == [60.0, 60.0]
    assert retain["segments"][1]["x"] == 100.0 and recruit["segments"][0]["width"] == 30.0
    assert [item["label"] for item in chart["legend"]] == ["Beslutad", "Genomförd"]
    assert chart["alt"] == ("Stapeldiagram: åtgärder per kategori, fördelade på läge. "
                            "Behålla 4 (Beslutad 2, Genomförd 2); Rekrytera 1 (Beslutad 1).")
