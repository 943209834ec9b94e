"""The delrapport and the slutredovisning carry each measure's indicators against their targets, as tagged tables
and in the embedded report data, with the same verdict as the evaluate form."""
from datetime import timedelta

from kfflow.services.documents import render_delrapport, render_slutredovisning
from kfflow.services.indicators import add_indicator, add_measurement

from tests.conftest import NOW
from tests.pdf_checks import assert_in_order, embedded_json, text
from tests.test_documents_accessible import assert_accessible_archival
from tests.test_documents_reports import END, START, programme  # noqa: F401  (fixture)
from tests.test_indicators import SICK_LEAVE


def _with_indicators(session, users, programme):  # noqa: F811
    portal = programme["portal"]
    sick = add_indicator(session, users["owner"], portal.id, SICK_LEAVE, now=NOW)
    add_measurement(session, users["owner"], sick.id, {"value": "7,4", "date": "2026-01-31"}, now=NOW)
    add_measurement(session, users["owner"], sick.id, {"value": "6,2", "date": END.isoformat()}, now=NOW)
    add_indicator(session, users["owner"], portal.id, {**SICK_LEAVE, "name": "Andel heltider", "unit": "procent",
                                                       "direction": "higher", "baseline": 40, "target": 60}, now=NOW)
    return portal


def test_delrapport_has_a_tagged_indicator_table_with_verdicts(session, users, programme):  # noqa: F811
    portal = _with_indicators(session, users, programme)
    # The period ends before the last value: the report shows what was known at its end.
    pdf = render_delrapport(session, users["contributor"], START.isoformat(), (END - timedelta(days=1)).isoformat(), now=NOW)
    body = text(pdf)
    assert_in_order(body, ["Indikatorer", "Förmånsportal, införande", "Indikator", "Bedömning",
                           "Sjukfrånvaro bland sjuksköterskor", "7,9", "7,4", "6,5", "På väg mot målet",
                           "Andel heltider", "Inget mätvärde ännu", "Arbetsgruppernas lägesrapporter"])
    [shown] = embedded_json(pdf)["indicators"]
    assert (shown["id"], shown["title"]) == (portal.id, "Förmånsportal, införande")
    sick, share = shown["indicators"]
    assert sick["latest"] == {"value": 7.4, "date": "2026-01-31"}
    assert (sick["standing"], sick["verdict"]) == ("on_the_way", "På väg mot målet")
    assert (share["latest"], share["verdict"]) == (None, "Inget mätvärde ännu")
    assert sick["chart"]["alt"] == ("Linjediagram: Sjukfrånvaro bland sjuksköterskor från 7,9 till 7,4 %, "
                                    "mål 6,5 % till 2027-12-31.")
    assert len(sick["chart"]["points"]) == 2  # the baseline and the one value within the period
    elements = assert_accessible_archival(pdf)
    figures = [e["alt"] for e in elements if e["tag"] == "Figure"]
    assert sick["chart"]["alt"] in figures and share["chart"]["alt"] in figures
    # The table is captioned with the measure, and each value is read with its column and its indicator (the
    # row's TH): two headers per data cell.
    caption = next(i for i, e in enumerate(elements) if e["tag"] == "Caption")
    after = elements[caption:]
    end = next((i for i, e in enumerate(after) if e["tag"] in ("H2", "Table")), len(after))
    cells = [e for e in after[:end] if e["tag"] == "TD"]
    assert len(cells) == 2 * 5 and all(len(e["headers"]) == 2 for e in cells), cells


def test_slutredovisning_has_the_indicators_of_decided_measures(session, users, programme):  # noqa: F811
    _with_indicators(session, users, programme)
    idea = programme["idea"]
    add_indicator(session, users["steering"], idea.id, {**SICK_LEAVE, "name": "Nöjd nattpersonal"}, now=NOW)
    pdf = render_slutredovisning(session, users["owner"], now=NOW)
    body = text(pdf)
    assert_in_order(body, ["Indikatorer", "Förmånsportal, införande", "Sjukfrånvaro bland sjuksköterskor", "6,2",
                           "Målet nått", "Andel heltider", "Inget mätvärde ännu"])
    assert "Nöjd nattpersonal" not in body, "a proposal is not a decided measure"
    data = embedded_json(pdf)
    assert [m["title"] for m in data["indicators"]] == ["Förmånsportal, införande"]
    assert data["indicators"][0]["indicators"][0]["verdict"] == "Målet nått"
    assert_accessible_archival(pdf)
