"""A sheet of measurements for one indicator, read all or nothing — from the service, the command line, the API
and the measure page."""
from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
from sqlalchemy import func, select

from kfflow.errors import PermissionDenied, ValidationError
from kfflow.models import HistoryEntry, Measurement
from kfflow.services.indicators import add_indicator
from kfflow.services.measurement_import import import_measurements

from tests.conftest import NOW
from tests.factories import measure_in_state
from tests.web_support import sign_in

INDICATOR = {"name": "Sjukfrånvaro <sjuksköterskor>", "unit": "%", "direction": "lower", "baseline": 7.9,
             "baseline_date": "2025-12-31", "target": 6.5, "target_date": "2027-12-31", "frequency_days": 90}
GOOD_CSV = "Datum;Värde;Källa;Kommentar\n2026-01-31;7,8;HR-systemet;\n2026-02-28;7,6;;Efter friskvårdsveckan\n"


def _indicator(session, users):
    measure = measure_in_state(session, users, "decided")
    return measure, add_indicator(session, users["owner"], measure.id, INDICATOR, now=NOW)


def _count(session, model) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(model))


def test_a_csv_and_an_xlsx_sheet_each_add_every_value_with_its_history(session, users):
    measure, indicator = _indicator(session, users)
    history = _count(session, HistoryEntry)
    done = import_measurements(session, users["owner"], indicator.id, GOOD_CSV.encode(), "varden.csv", now=NOW)
    assert (done.count, done.first, done.last) == (2, date(2026, 1, 31), date(2026, 2, 28))
    book = openpyxl.Workbook()
    book.active.append(["datum", "VÄRDE", "källa"])
    book.active.append([date(2026, 3, 1), 7.5, "Enkät"])          # a real date cell and a number cell
    data = io.BytesIO()
    book.save(data)
    import_measurements(session, users["steering"], indicator.id, data.getvalue(), "mars.xlsx", now=NOW)
    session.rollback()
    values = session.execute(select(Measurement.measured_on, Measurement.value, Measurement.source, Measurement.comment)
                             .order_by(Measurement.measured_on)).all()
    assert values == [(date(2026, 1, 31), 7.8, "HR-systemet", None), (date(2026, 2, 28), 7.6, None,
                                                                       "Efter friskvårdsveckan"),
                      (date(2026, 3, 1), 7.5, "Enkät", None)]
    assert _count(session, HistoryEntry) == history + 3


@pytest.mark.parametrize("sheet, expected", [
    ("Datum;Värde\n2026-01-31;7,8\n2026-02-28;sju\n", "Rad 3, Värde: Ange ett tal, t.ex. 7,9."),
    ("Datum;Värde\n2025-11-30;7,8\n", "Rad 2, Datum: Mätningen kan inte vara daterad före utgångsvärdets datum"),
    ("Datum;Värde\n2026-01-31;7,8\n2099-01-01;7\n", "Rad 3, Datum: Mätningen kan inte vara daterad i framtiden."),
    ("Datum;Värde\n2026-01-31;7,8\n2026-01-31;7,7\n", "Rad 3, Datum: det finns redan ett mätvärde för 2026-01-31."),
    ("Dag;Värde\n2026-01-31;7,8\n", "Kolumnen Datum saknas."),
    ("Datum;Värde\n", "Filen har inga rader med värden."),
], ids=["not a number", "before the baseline", "in the future", "a date twice", "no date column", "no rows"])
def test_one_bad_row_writes_nothing_and_names_its_row_and_column(session, users, sheet, expected):
    _measure, indicator = _indicator(session, users)
    before = (_count(session, Measurement), _count(session, HistoryEntry))
    with pytest.raises(ValidationError) as refused:
        import_measurements(session, users["owner"], indicator.id, sheet.encode(), "fel.csv", now=NOW)
    assert expected in refused.value.fields["file"]
    assert (_count(session, Measurement), _count(session, HistoryEntry)) == before


def test_only_who_may_follow_the_measure_up_may_import(session, users):
    _measure, indicator = _indicator(session, users)
    with pytest.raises(PermissionDenied):
        import_measurements(session, users["contributor"], indicator.id, GOOD_CSV.encode(), "varden.csv", now=NOW)
    assert _count(session, Measurement) == 0


def test_the_command_line_the_api_and_the_page_read_a_sheet(session, users, invoke, tmp_path, api, app):
    measure, indicator = _indicator(session, users)
    sheet = tmp_path / "varden.csv"
    sheet.write_text("Datum;Värde\n2026-01-31;7,8\n", encoding="utf-8")
    result = invoke("import", "measurements", str(indicator.id), str(sheet), "--as", "owner")
    assert result.exit_code == 0 and "1 mätvärden inlästa" in result.output, result.output
    bad = invoke("import", "measurements", str(indicator.id), str(sheet), "--as", "owner")   # the same date again
    assert bad.exit_code == 2 and "Rad 2, Datum: det finns redan ett mätvärde för 2026-01-31." in bad.output

    st, answer = api.call("POST", f"/indicators/{indicator.id}/measurements/import",
                          {"file": (io.BytesIO(b"Datum;V\xc3\xa4rde\n2026-02-10;7,7\n"), "feb.csv")},
                          as_user="steering", multipart=True)
    assert st == 201 and [m["value"] for m in answer["measurements"]] == [7.8, 7.7]
    st, err = api.call("POST", f"/indicators/{indicator.id}/measurements/import",
                       {"file": (io.BytesIO(b"Datum;V\xc3\xa4rde\n2026-02-11;x\n"), "fel.csv")},
                       as_user="steering", multipart=True)
    assert st == 422 and "Rad 2, Värde" in err["error"]["fields"]["file"]

    client = sign_in(app, session, users["owner"])
    page = f"/atgarder/{measure.id}"
    refused = client.post(f"{page}/indikatorer/{indicator.id}/matvarden/fil",
                          data={"file": (io.BytesIO(b"Datum;V\xc3\xa4rde\n2026-02-12;<b>x</b>\n"), "fel.csv")},
                          content_type="multipart/form-data")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Rad 2, Värde: Ange ett tal" in html and "<b>x</b>" not in html
    saved = client.post(f"{page}/indikatorer/{indicator.id}/matvarden/fil",
                        data={"file": (io.BytesIO(b"Datum;V\xc3\xa4rde\n2026-02-12;7,6\n"), "ok.csv")},
                        content_type="multipart/form-data")
    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"#indikator-{indicator.id}")
    assert _count(session, Measurement) == 3
