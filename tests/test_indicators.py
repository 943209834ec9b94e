"""Indicators on a measure and their measurements: who may add them, what is refused, stale, over the API."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from kfflow.errors import GuardFailed, PermissionDenied, ValidationError
from kfflow.models import HistoryEntry, Indicator, Measurement
from kfflow.services.cases import history_of
from kfflow.services.indicators import add_indicator, add_measurement, indicator_statuses, parse_number, standing

from tests.conftest import NOW
from tests.factories import measure_in_state

SICK_LEAVE = {"name": "Sjukfrånvaro bland sjuksköterskor", "unit": "%", "direction": "lower",
              "baseline": "7,9", "baseline_date": "2025-12-31", "target": 6.5, "target_date": "2027-12-31",
              "frequency_days": 90}


def _rows(session) -> tuple[int, int, int]:
    return tuple(session.scalar(select(func.count()).select_from(m)) for m in (Indicator, Measurement, HistoryEntry))


def test_the_owner_adds_an_indicator_and_values_each_with_a_history_entry(session, users):
    m = measure_in_state(session, users, "decided")
    version = m.version
    ind = add_indicator(session, users["owner"], m.id, SICK_LEAVE, now=NOW)
    assert (ind.baseline, ind.target, ind.direction) == (7.9, 6.5, "lower")
    add_measurement(session, users["owner"], ind.id, {"value": "7,4", "date": "2026-02-28", "source": "HR-systemet"},
                    now=NOW)
    add_measurement(session, users["steering"], ind.id, {"value": 7.1, "date": "2026-03-01"}, now=NOW)
    session.refresh(m)
    assert m.version == version  # values add to the measure without a 409 for someone editing it
    entries = history_of(session, m)[-3:]
    assert [(e.trigger, e.actor_id) for e in entries] == [
        ("add_indicator", users["owner"].id), ("add_measurement", users["owner"].id),
        ("add_measurement", users["steering"].id)]
    assert entries[1].fields == {"indicator": SICK_LEAVE["name"], "value": 7.4, "measured_on": "2026-02-28",
                                 "source": "HR-systemet"}
    [status] = indicator_statuses(session, m.id, today=NOW.date())
    assert [v.value for v in status.measurements] == [7.4, 7.1] and status.latest.value == 7.1
    assert status.stale is False


def test_stale_means_no_value_within_the_frequency(session, users):
    m = measure_in_state(session, users, "decided")
    ind = add_indicator(session, users["owner"], m.id, {**SICK_LEAVE, "frequency_days": 30}, now=NOW)
    baseline = date(2025, 12, 31)
    assert not indicator_statuses(session, m.id, today=baseline + timedelta(days=30))[0].stale
    assert indicator_statuses(session, m.id, today=baseline + timedelta(days=31))[0].stale  # only the baseline
    add_measurement(session, users["owner"], ind.id, {"value": 7, "date": "2026-02-20"}, now=NOW)
    assert not indicator_statuses(session, m.id, today=date(2026, 3, 22))[0].stale
    assert indicator_statuses(session, m.id, today=date(2026, 3, 23))[0].stale


BAD_INDICATORS = [
    ({"target_date": None}, "target_date", "Ange när målet ska vara nått."),
    ({"target_date": "2025-06-01"}, "target_date", "Måldatumet måste komma efter utgångsvärdets datum."),
    ({"baseline": "sju"}, "baseline", "Ange ett tal, t.ex. 7,9."),
    ({"target": float("nan")}, "target", "Ange ett tal, t.ex. 7,9."),
    ({"direction": "up"}, "direction", "Välj om högre eller lägre värden är bättre."),
    ({"frequency_days": 0}, "frequency_days", "Ange ett heltal antal dagar från 1 till 3660."),
    ({"name": ""}, "name", "Fältet måste fyllas i."),
]
BAD_MEASUREMENTS = [
    ({"value": 7, "date": "2025-12-30"}, "date",
     "Mätningen kan inte vara daterad före utgångsvärdets datum (2025-12-31)."),
    ({"value": 7, "date": "2026-03-03"}, "date", "Mätningen kan inte vara daterad i framtiden."),
    ({"value": "sju", "date": "2026-03-01"}, "value", "Ange ett tal, t.ex. 7,9."),
    ({"value": True, "date": "2026-03-01"}, "value", "Ange ett tal."),
    ({"value": 7}, "date", "Ange datum för mätningen."),
]


def test_bad_input_is_refused_on_its_field_and_nothing_is_written(session, users):
    m = measure_in_state(session, users, "decided")
    for change, field, message in BAD_INDICATORS:
        before = _rows(session)
        with pytest.raises(ValidationError) as caught:
            add_indicator(session, users["owner"], m.id, {**SICK_LEAVE, **change}, now=NOW)
        assert caught.value.fields == {field: message}, change
        assert _rows(session) == before
    ind = add_indicator(session, users["owner"], m.id, SICK_LEAVE, now=NOW)
    for data, field, message in BAD_MEASUREMENTS:
        before = _rows(session)
        with pytest.raises(ValidationError) as caught:
            add_measurement(session, users["owner"], ind.id, data, now=NOW)
        assert caught.value.fields == {field: message}, data
        assert _rows(session) == before


def test_only_the_owner_or_steering_may_add_and_not_to_a_rejected_measure(session, users):
    m = measure_in_state(session, users, "decided")
    ind = add_indicator(session, users["steering"], m.id, SICK_LEAVE, now=NOW)
    before = _rows(session)
    for username in ("other_owner", "contributor", "council"):
        with pytest.raises(PermissionDenied):
            add_indicator(session, users[username], m.id, SICK_LEAVE, now=NOW)
        with pytest.raises(PermissionDenied):
            add_measurement(session, users[username], ind.id, {"value": 7, "date": "2026-03-01"}, now=NOW)
    rejected = measure_in_state(session, users, "rejected")
    with pytest.raises(GuardFailed):
        add_indicator(session, users["steering"], rejected.id, SICK_LEAVE, now=NOW)
    assert _rows(session)[:2] == before[:2]


def test_numbers_accept_a_decimal_comma_and_refuse_the_rest():
    assert parse_number("−1 234,5") == -1234.5 and parse_number(3) == 3.0
    for bad in ("", "1e400", "inf", "7,9 %", None, [7]):
        with pytest.raises(ValueError):
            parse_number(bad)


def test_indicators_over_the_api(api, users, session):
    m = measure_in_state(session, users, "decided")
    body = {**SICK_LEAVE, "baseline": 7.9, "baseline_date": "2025-01-01", "target_date": "2027-12-31"}
    st, ind = api.call("POST", f"/measures/{m.id}/indicators", body, as_user="owner")
    assert st == 201, ind
    assert ind["latest"] is None and ind["measurements"] == [] and ind["target_date"] == "2027-12-31"
    today = date.today().isoformat()
    st, after = api.call("POST", f"/indicators/{ind['id']}/measurements",
                         {"value": 7.2, "date": today, "source": "HR"}, as_user="owner")
    assert st == 201, after
    assert after["latest"] == {"value": 7.2, "date": today} and after["stale"] is False
    assert after["measurements"][0]["entered_by"]["username"] == "owner"

    st, err = api.call("POST", f"/indicators/{ind['id']}/measurements", {"value": "sju", "date": today},
                       as_user="owner")
    assert st == 422 and "value" in err["error"]["fields"]
    st, err = api.call("POST", f"/indicators/{ind['id']}/measurements", {"value": 7, "date": "2024-12-31"},
                       as_user="owner")
    assert st == 422 and err["error"]["fields"]["date"].startswith("Mätningen kan inte vara daterad före")
    st, err = api.call("POST", f"/measures/{m.id}/indicators", {**body, "target_date": None}, as_user="owner")
    assert st == 422 and "target_date" in err["error"]["fields"]
    st, err = api.call("POST", f"/indicators/{ind['id']}/measurements", {"value": 7, "date": today},
                       as_user="contributor")
    assert st == 403
    st, err = api.call("POST", "/indicators/999999/measurements", {"value": 7, "date": today}, as_user="owner")
    assert st == 404

    st, detail = api.call("GET", f"/measures/{m.id}", as_user="contributor")
    assert st == 200
    [shown] = detail["indicators"]
    assert (shown["id"], shown["name"], shown["baseline"], shown["target"]) == (ind["id"], SICK_LEAVE["name"], 7.9, 6.5)
    assert shown["latest"] == {"value": 7.2, "date": today} and len(shown["measurements"]) == 1
    assert (shown["standing"], shown["verdict"]) == ("on_the_way", "På väg mot målet")


def test_the_owner_follows_an_indicator_on_the_measure_page(make_web_app, session, users):
    from tests.web_support import sign_in

    app = make_web_app()
    m = measure_in_state(session, users, "decided")
    owner = sign_in(app, session, users["owner"])
    form = {k: str(v) for k, v in SICK_LEAVE.items()}
    refused = owner.post(f"/atgarder/{m.id}/indikatorer", data={**form, "target_date": ""})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "Ange när målet ska vara nått." in html and 'aria-invalid="true"' in html
    assert session.scalar(select(func.count()).select_from(Indicator)) == 0
    assert owner.post(f"/atgarder/{m.id}/indikatorer", data=form).status_code == 302
    session.rollback()  # a new read, so that it sees what the app committed
    ind = session.scalar(select(Indicator))
    today = date.today().isoformat()
    refused = owner.post(f"/atgarder/{m.id}/indikatorer/{ind.id}/matvarden", data={"value": "sju", "date": today})
    assert refused.status_code == 422 and "Ange ett tal, t.ex. 7,9." in refused.get_data(as_text=True)
    assert owner.post(f"/atgarder/{m.id}/indikatorer/{ind.id}/matvarden",
                      data={"value": "7,25", "date": today, "source": "HR-systemet"}).status_code == 302

    contributor = sign_in(app, session, users["contributor"])
    html = contributor.get(f"/atgarder/{m.id}").get_data(as_text=True)
    section = html.split('id="indikatorer"')[1].split("Ändringar av slutdatum")[0]
    assert '<svg role="img"' in section and "<title" in section and "Sjukfrånvaro bland sjuksköterskor" in section
    assert "7,25" in section and "HR-systemet" in section and "<table>" in section
    assert "Lägg till en indikator" not in section, "a contributor is not offered the forms"
    assert contributor.post(f"/atgarder/{m.id}/indikatorer/{ind.id}/matvarden",
                            data={"value": "7", "date": today}).status_code == 403


@pytest.mark.parametrize("direction, baseline, target, latest, expected", [
    ("lower", 7.9, 6.5, None, "no_value"),
    ("lower", 7.9, 6.5, 6.5, "reached"),          # at the target counts as reached
    ("lower", 7.9, 6.5, 5.0, "reached"),
    ("lower", 7.9, 6.5, 7.0, "on_the_way"),
    ("lower", 7.9, 6.5, 7.9, "on_the_way"),       # no worse than the baseline
    ("lower", 7.9, 6.5, 8.3, "wrong_way"),
    ("higher", 40, 60, 60, "reached"),
    ("higher", 40, 60, 45, "on_the_way"),
    ("higher", 40, 60, 38, "wrong_way"),
])
def test_standing_against_the_target_follows_the_direction(direction, baseline, target, latest, expected):
    indicator = Indicator(direction=direction, baseline=baseline, target=target)
    assert standing(indicator, latest) == expected


def test_the_evaluate_form_shows_where_each_indicator_stands(make_web_app, session, users):
    from tests.web_support import sign_in

    m = measure_in_state(session, users, "implemented")
    sick = add_indicator(session, users["owner"], m.id, SICK_LEAVE, now=NOW)
    add_measurement(session, users["owner"], sick.id, {"value": "8,4", "date": "2026-02-01"}, now=NOW)
    add_indicator(session, users["owner"], m.id, {**SICK_LEAVE, "name": "Andel heltider", "direction": "higher",
                                                  "baseline": 40, "target": 60}, now=NOW)
    session.commit()
    app = make_web_app()
    steering = sign_in(app, session, users["steering"])
    html = steering.get(f"/atgarder/{m.id}/steg/evaluate").get_data(as_text=True)
    table = html.split('id="h-indikatorlage"')[1].split("</table>")[0]
    rows = [row for row in table.split("<tr>")[2:]]
    assert "Sjukfrånvaro bland sjuksköterskor" in rows[0] and "8,4" in rows[0] and "Går åt fel håll" in rows[0]
    assert "6,5" in rows[0] and '<th scope="row">' in rows[0]
    assert "Andel heltider" in rows[1] and "Inget mätvärde ännu" in rows[1]
    assert table.index("Sjukfrånvaro") < table.index("Andel heltider")
    other = steering.get(f"/atgarder/{m.id}/steg/reassign")
    assert other.status_code == 200 and "<form" in other.get_data(as_text=True)
    assert 'id="h-indikatorlage"' not in other.get_data(as_text=True), "only an evaluation shows the standings"
