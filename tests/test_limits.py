"""Limits held before work is done: body size, JSON depth, what an .xlsx inflates to, ids beyond the integer
column, pages and report periods out of range, NUL in forms and filters — each a clear 4xx, never a 500."""
from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest

from kfflow.importing import readers
from kfflow.importing.readers import ImportFileError, read_table
from kfflow.services.notifications import list_notifications

from tests.factories import measure_in_state
from tests.web_support import csrf_token, sign_in
from webui.limits import MAX_JSON_DEPTH, MAX_REQUEST_BYTES

# --- request bodies ---------------------------------------------------------------------------------

def test_a_body_over_the_limit_is_413_in_json_for_the_api_and_a_page_elsewhere(make_web_app):
    app = make_web_app()
    client = app.test_client()
    big = b"x" * (MAX_REQUEST_BYTES + 1)
    response = client.post("/api/v1/tokens", data=big, content_type="application/json")
    assert response.status_code == 413 and response.get_json()["error"]["code"] == "too_large"
    response = client.post("/logga-in", data={"username": "a", "password": "x" * (MAX_REQUEST_BYTES + 1)})
    assert response.status_code == 413 and "för stor" in response.get_data(as_text=True)


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 5000])
def test_json_nested_too_deep_is_422_not_a_recursion_error(api, users, depth):
    nested = "[" * depth + "]" * depth
    body = f'{{"title": "Djup", "description": {nested}}}'
    response = api.client.post("/api/v1/measures", data=body, content_type="application/json",
                               headers={"Authorization": f"Bearer {api.token('contributor')}"})
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert "nivåer" in response.get_json()["error"]["fields"]["body"]


# --- ids, pages, periods ----------------------------------------------------------------------------

def test_ids_beyond_the_integer_column_are_404_and_pages_beyond_the_end_no_error(make_web_app, session, users,
                                                                                 api):
    web = sign_in(make_web_app(), session, users["registrar"])
    for path in ("/atgarder/2147483648", "/granskningar/99999999999", "/rekommendationer/99999999999",
                 "/granskningar/99999999999/yttrande.docx"):
        assert web.get(path).status_code == 404, path
    for path in ("/audits/99999999999/documents", "/audits/99999999999/yttrande.pdf", "/measures/2147483648"):
        status, body = api.call("GET", path, as_user="registrar")
        assert status == 404 and body["error"]["code"] == "not_found", path
    response = web.post("/aviseringar/las", data={"id": "99999999999"})
    assert response.status_code == 302
    assert web.get("/atgarder?sida=9223372036854775807").status_code == 404
    assert web.get("/atgarder?sida=99999999999999999999999999").status_code == 404
    assert web.get("/atgarder?sida=1").status_code == 200
    assert list_notifications(session, users["registrar"]) == []


def test_a_report_period_outside_the_calendar_people_use_is_422_in_swedish(app, session, users, api):
    web = sign_in(app, session, users["steering"])
    response = web.get("/atgarder/delrapport.pdf?from=0001-01-01&to=9999-12-31")
    assert response.status_code == 422 and "Ange ett datum mellan 1900-01-01" in response.get_data(as_text=True)
    status, body = api.call("GET", "/reports/delrapport.pdf?from=0001-01-01&to=9999-12-31", as_user="steering")
    assert status == 422 and set(body["error"]["fields"]) == {"from", "to"}


def test_nul_in_forms_and_list_filters_is_refused_not_a_500(make_web_app, session, users):
    app = make_web_app()
    web = sign_in(app, session, users["steering"])
    m = measure_in_state(session, users, "prioritised")
    response = web.post(f"/atgarder/{m.id}/steg/decide", data={"owner": "own\x00er", "due_date": "2030-01-01",
                                                                "decision_ref": "RS § 1", "version": m.version})
    assert response.status_code == 422 and "U+0000" in response.get_data(as_text=True)
    for query in ("q=%00", "ansvarig=a%00b", "kategori=%00", "arbetsgrupp=%00"):
        assert web.get(f"/atgarder?{query}").status_code == 422, query
    assert web.get("/atgarder/exportera.csv?q=%00").status_code == 422


# --- what an .xlsx inflates to --------------------------------------------------------------------

SHEET = "xl/worksheets/sheet1.xml"
SHEET_HEAD = (b'<?xml version="1.0" encoding="UTF-8"?>'
              b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
SHEET_TAIL = b"</sheetData></worksheet>"


def _xlsx(path, write_sheet, *, extra: dict | None = None):
    """A real workbook whose sheet is streamed by `write_sheet(stream)`: megabytes inflated, kilobytes on disk."""
    template = io.BytesIO()
    wb = openpyxl.Workbook()
    wb.active.append(["Åtgärd", "Kategori"])
    wb.save(template)
    with zipfile.ZipFile(template) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != SHEET:
                target.writestr(info, source.read(info))
        with target.open(SHEET, "w", force_zip64=True) as stream:
            write_sheet(stream)
        for name, data in (extra or {}).items():
            with target.open(name, "w", force_zip64=True) as stream:
                data(stream)
    return path


def _cells_in_one_row(count):
    def write(stream):
        stream.write(SHEET_HEAD + b'<row r="1">')
        for _ in range(count // 1000):
            stream.write(b"<c><v>1</v></c>" * 1000)
        stream.write(b"</row>" + SHEET_TAIL)
    return write


def _rows_of(rows, cells):
    def write(stream):
        stream.write(SHEET_HEAD)
        row = b"<row>" + b"<c><v>1</v></c>" * cells + b"</row>"
        for _ in range(rows):
            stream.write(row)
        stream.write(SHEET_TAIL)
    return write


def _padding(megabytes):
    def write(stream):
        stream.write(SHEET_HEAD)
        for _ in range(megabytes):
            stream.write(b" " * (1024 * 1024))
        stream.write(SHEET_TAIL)
    return write


def _shared_strings(megabytes):
    def write(stream):
        stream.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
        for _ in range(megabytes):
            stream.write(b"<si><t>" + b"x" * (1024 * 1024) + b"</t></si>")
        stream.write(b"</sst>")
    return write


def _external_entity(stream):
    stream.write(b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
                 b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
                 b'<row r="1"><c r="A1" t="inlineStr"><is><t>&secret;</t></is></c></row>' + SHEET_TAIL)


@pytest.mark.parametrize("sheet, extra, expected", [
    (_cells_in_one_row(200_000), None, f"fler än {readers.MAX_CELLS_PER_ROW} celler"),
    (_rows_of(101, 100), None, "fler än 10000 celler"),  # with MAX_CELLS lowered below, to stay quick
    (_padding(101), None, "packas upp till"),
    (_rows_of(1, 1), {"xl/sharedStrings.xml": _shared_strings(17)}, "för mycket text"),
    (_external_entity, None, "DOCTYPE"),
], ids=["wide-row", "many-cells", "inflates-to-100MB", "shared-strings", "external-entity"])
def test_an_xlsx_is_held_to_what_it_inflates_to_before_openpyxl_reads_it(tmp_path, monkeypatch, sheet, extra,
                                                                         expected):
    monkeypatch.setattr(readers, "MAX_CELLS", 10_000)
    path = _xlsx(tmp_path / "bomb.xlsx", sheet, extra=extra)
    assert path.stat().st_size < readers.MAX_FILE_BYTES
    with pytest.raises(ImportFileError) as err:
        table = read_table(path)
        list(table.rows)
    assert expected in err.value.message


def test_an_xlsx_with_an_external_entity_uploaded_on_the_web_is_422(make_web_app, session, users, tmp_path):
    app = make_web_app()
    web = sign_in(app, session, users["steering"])
    token = csrf_token(web.get("/atgarder/importera").get_data(as_text=True))
    path = _xlsx(tmp_path / "entity.xlsx", _external_entity)
    response = web.post("/atgarder/importera", data={"csrf_token": token, "fil": (path.open("rb"), "entity.xlsx")},
                        content_type="multipart/form-data")
    assert response.status_code == 422 and "DOCTYPE" in response.get_data(as_text=True)


def test_an_ordinary_xlsx_still_reads(tmp_path):
    path = _xlsx(tmp_path / "ok.xlsx", _rows_of(50, 2))
    table = read_table(path)
    assert len(list(table.rows)) == 49


def test_out_of_range_numbers_in_query_arguments_are_not_a_500(make_web_app, session, users):
    web = sign_in(make_web_app(), session, users["contributor"])
    for path in ("/atgarder?sida=9223372036854775807", "/atgarder?sida=-5", "/atgarder/ny?rekommendation=99999999999"):
        assert web.get(path).status_code in (200, 400, 404), path
    response = web.post("/atgarder/ny?rekommendation=99999999999", data={"title": "Kopplad"})
    assert response.status_code in (302, 400, 404), response.status_code


def test_nul_in_a_sign_in_form_is_a_failed_sign_in_not_a_500(make_web_app, session, users):
    client = make_web_app().test_client()
    client.get("/logga-in")
    response = client.post("/logga-in", data={"username": "own\x00er", "password": "x\x00y"})
    assert response.status_code in (400, 401, 422), response.status_code
