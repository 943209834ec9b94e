"""Import of measures from spreadsheets: all or nothing, idempotent, through the services."""
from __future__ import annotations

import csv
import hashlib
import io
from datetime import date, datetime, timedelta

import openpyxl
import pytest
from sqlalchemy import func, select

from kfflow.errors import PermissionDenied
from kfflow.importing import readers
from kfflow.importing.export import measure_table, write_table
from kfflow.models import Body, HistoryEntry, Measure
from kfflow.services.cases import history_of
from kfflow.services.importing import ImportRejected, import_measures
from kfflow.importing.readers import MAX_FILE_BYTES, ImportFileError

from tests.conftest import NOW

BEHALLA = ["Karriärmodeller, fortsatt arbete", "Forskningsmöjligheter för sjuksköterskor",
           "Generösare utbildningsförmåner vid vidareutbildningar",
           "Enkät till deltidsarbetande om utökad sysselsättningsgrad", "Regler för distansarbete, revidering",
           "Pilotprojekt kontorslösningar", "Enkät till äldre medarbetare", "Chefers förutsättningar, stärkt arbete"]
REKRYTERA = ["Förlängning av tillfälliga resursförstärkningar inom vårdnära service",
             "Chefer i kliniskt arbete, utredning", "Se över samordningsbehov BT-läkare",
             "Övernattningsmöjlighet pendlare vårdpersonal, utreda",
             "Enkät om tillfälliga förflyttningar vid tillfälliga arbetsanhopningar",
             "Utreda ytterligare förmåner (tex fria bussresor, sjukvård, måltider, mm)", "Förmånsportal, införande",
             "Säkerställa hub-möjlighet i alla länets kommuner"]
UTVECKLA = ["10 extra tjänster inom vårdnära service",
            "Nattransportörer via regionservice inom vissa områden i slutenvården",
            "Tillitsbaserad styrning och ledning", "Beslutsprocess regionservice tjänster",
            "Översyn Cosmic förvaltningsorganisation", "Ökad kapacitet, drift och användarstöd, basutbud IT",
            "Ökad takt i automatisering och robotisering", "RAK (rätt använd kompetens)",
            "Fler e-besök inom hälso- och sjukvården"]
FINAL_REPORT = ([(t, "Behålla") for t in BEHALLA] + [(t, "Rekrytera") for t in REKRYTERA]
                + [(t, "Utveckla") for t in UTVECKLA])
HEADINGS = ["Åtgärd", "Kategori", "Slutdatum"]


def xlsx(path, rows, headings=HEADINGS):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(headings)
    for row in rows:
        ws.append(list(row))
    wb.save(path)
    return path


def final_report_rows():
    return [(t, c, "2023-06-30") for t, c in FINAL_REPORT]


def counts(session):
    session.rollback()
    return (session.scalar(select(func.count()).select_from(Measure)),
            session.scalar(select(func.count()).select_from(HistoryEntry)))


def test_the_final_reports_measures_import_as_proposed_with_their_file_in_the_history(session, tmp_path):
    path = xlsx(tmp_path / "slutrapport.xlsx", final_report_rows())
    result = import_measures(session, None, path, now=NOW)
    assert len(result.created) == 25 and not result.updated and not result.unchanged
    measures = session.scalars(select(Measure).order_by(Measure.id)).all()
    assert [(m.title, m.category) for m in measures[:2]] == [(BEHALLA[0], "retain"), (BEHALLA[1], "retain")]
    assert {m.state for m in measures} == {"proposed"}
    assert {m.due_date for m in measures} == {date(2023, 6, 30)}
    assert sum(m.category == "develop" for m in measures) == 9
    entry = history_of(session, measures[0])[0]
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    assert (entry.trigger, entry.actor_id) == ("propose", None)
    assert entry.comment == f"Importerad från fil slutrapport.xlsx (sha256 {sha})"


def test_the_same_file_again_changes_nothing(session, tmp_path):
    path = xlsx(tmp_path / "plan.xlsx", final_report_rows())
    import_measures(session, None, path, now=NOW)
    before = counts(session)
    result = import_measures(session, None, path, now=NOW)
    assert (len(result.created), len(result.unchanged), len(result.differing)) == (0, 25, 0)
    assert counts(session) == before


def test_one_bad_row_imports_nothing_and_names_the_row_and_column(session, tmp_path):
    rows = final_report_rows()
    rows[17] = (rows[17][0], "Okänd kategori", "2023-13-45")
    with pytest.raises(ImportRejected) as err:
        import_measures(session, None, xlsx(tmp_path / "bad.xlsx", rows), now=NOW)
    assert 'rad 19, kolumn Kategori: "Okänd kategori" är inte en av Behålla, Rekrytera, Utveckla' in err.value.lines
    assert 'rad 19, kolumn Slutdatum: "2023-13-45" är inget giltigt datum' in err.value.lines
    assert "2 fel; inget har sparats" in err.value.message
    assert counts(session) == (0, 0)


def test_lists_fifty_errors_then_the_count(session, tmp_path):
    rows = [(f"Åtgärd {i}", "Fel", "") for i in range(60)]
    with pytest.raises(ImportRejected) as err:
        import_measures(session, None, xlsx(tmp_path / "many.xlsx", rows), now=NOW)
    assert len(err.value.lines) == 51
    assert err.value.lines[-1] == "… och 10 fel till (60 fel sammanlagt)."


def _merged(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADINGS)
    ws.append(["A", "Behålla", ""])
    ws.append(["B", "", ""])
    ws.merge_cells("B2:B3")
    wb.save(path)


def _formula(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADINGS)
    ws.append(["A", "Behålla", "=TODAY()+30"])
    wb.save(path)


def _empty_xlsx(path):
    openpyxl.Workbook().save(path)


BAD_FILES = {
    "empty.csv": (lambda p: p.write_bytes(b""), "är tom"),
    "blank.csv": (lambda p: p.write_text("\n\n"), "är tom"),
    "empty.xlsx": (_empty_xlsx, "är tom"),
    "headings.xlsx": (lambda p: xlsx(p, []), "har rubriker men inga rader"),
    "plan.xls": (lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0 old excel"), "Filtypen ”.xls” kan inte läsas"),
    "plan.docx": (lambda p: p.write_bytes(b"PK"), "Filtypen ”.docx” kan inte läsas"),
    "corrupt.xlsx": (lambda p: p.write_bytes(b"PK\x03\x04 this is not a workbook"),
                     "går inte att läsa som en Excel-fil"),
    "formula.xlsx": (_formula, "rad 2, kolumn Slutdatum: cellen innehåller en formel (=TODAY()+30)"),
    "merged.xlsx": (_merged, "sammanfogade celler (B2:B3)"),
    "duplicates.xlsx": (lambda p: xlsx(p, [("Förmånsportal", "Behålla", ""), ("förmånsportal ", "Rekrytera", "")]),
                        "rad 3, kolumn Åtgärd: samma titel som rad 2"),
    "owner.xlsx": (lambda p: xlsx(p, [("A", "Okänd", "Okänd Person")], ["Titel", "Kategori", "Ansvarig"]),
                   'rad 2, kolumn Ansvarig: "Okänd Person" är varken en användare eller en enhet'),
    "category.xlsx": (lambda p: xlsx(p, [("A", "Behålla"), ("B", "Avveckla")], ["Åtgärd", "Kategori"]),
                      'rad 3, kolumn Kategori: "Avveckla" är inte en av Behålla, Rekrytera, Utveckla'),
    "date.xlsx": (lambda p: xlsx(p, [("A", "Behålla", "31/2/2023")]), 'rad 2, kolumn Slutdatum: "31/2/2023" är inget giltigt'),
    "wordy-date.xlsx": (lambda p: xlsx(p, [("A", "Behålla", "juni 2023")]), '"juni 2023" är inget datum'),
    "wide-row.csv": (lambda p: p.write_text("Åtgärd;Kategori\nA;Behålla;extra\n", encoding="utf-8"),
                     "rad 2: raden har 3 celler men bara 2 rubriker"),
    "no-title.csv": (lambda p: p.write_text("Kategori;Slutdatum\nBehålla;2023-06-30\n", encoding="utf-8"),
                     "kolumnen Åtgärd saknas"),
    "two-titles.csv": (lambda p: p.write_text("Åtgärd;Titel\nA;B\n", encoding="utf-8"), "betyder samma sak"),
    "decided.csv": (lambda p: p.write_text("Åtgärd;Status\nA;Beslutad\n", encoding="utf-8"),
                    "en beslutad åtgärd behöver en ansvarig person"),
    "unknown-id.csv": (lambda p: p.write_text("ID;Åtgärd\n999;A\n", encoding="utf-8"),
                       "det finns ingen åtgärd med nummer 999"),
    "later-state.csv": (lambda p: p.write_text("Åtgärd;Läge\nA;Genomförd\n", encoding="utf-8"),
                        'nya åtgärder kan bara läsas in som Föreslagen eller Beslutad, inte "Genomförd"'),
    "unknown-state.csv": (lambda p: p.write_text("Åtgärd;Läge\nA;Pågår\n", encoding="utf-8"),
                          '"Pågår" är inget läge; använd ett av Föreslagen, Prioriterad'),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_input_gets_a_clear_message_and_writes_nothing(session, tmp_path, name):
    make, expected = BAD_FILES[name]
    path = tmp_path / name
    make(path)
    before = counts(session)
    with pytest.raises((ImportRejected, ImportFileError)) as err:
        import_measures(session, None, path, now=NOW)
    text = "\n".join([err.value.message, *getattr(err.value, "lines", [])])
    assert expected in text
    assert counts(session) == before


@pytest.mark.parametrize("limit, value, expected", [
    ("MAX_FILE_BYTES", 1000, "högst 0 MB kan läsas in"),
    ("MAX_ROWS", 3, "har fler än 3 rader"),
    ("MAX_COLUMNS", 2, "har 3 kolumner; högst 2"),
])
def test_oversized_files_and_sheets_are_refused(session, tmp_path, monkeypatch, limit, value, expected):
    path = xlsx(tmp_path / "big.xlsx", [(f"Åtgärd {i}", "Behålla", "") for i in range(5)])
    monkeypatch.setattr(readers, limit, value)
    with pytest.raises(ImportFileError) as err:
        import_measures(session, None, path, now=NOW)
    assert expected in err.value.message
    assert counts(session) == (0, 0)


def test_reads_the_first_visible_sheet_and_says_so(session, tmp_path):
    wb = openpyxl.Workbook()
    hidden = wb.active
    hidden.title = "Gammalt"
    hidden.append(HEADINGS)
    hidden.append(["Från dolt blad", "Behålla", ""])
    hidden.sheet_state = "hidden"
    ws = wb.create_sheet("Plan 2023")
    ws.append(HEADINGS)
    ws.append(["Från synligt blad", "Behålla", ""])
    wb.create_sheet("Anteckningar")
    wb.save(tmp_path / "sheets.xlsx")
    result = import_measures(session, None, tmp_path / "sheets.xlsx", now=NOW)
    assert [p.values["title"] for p in result.created] == ["Från synligt blad"]
    assert "Filen har 3 blad; bara det första synliga, ”Plan 2023”, läses in." in result.notes


def test_swedish_date_forms_and_excel_date_cells(session, tmp_path):
    rows = [("A", "Behålla", "2023-06-30"), ("B", "Behålla", "30/6/2023"), ("C", "Behålla", "30.6.2023"),
            ("D", "Behålla", datetime(2023, 6, 30)), ("E", "Behålla", "")]
    import_measures(session, None, xlsx(tmp_path / "dates.xlsx", rows), now=NOW)
    due = dict(session.execute(select(Measure.title, Measure.due_date)).all())
    assert due == {"A": date(2023, 6, 30), "B": date(2023, 6, 30), "C": date(2023, 6, 30),
                   "D": date(2023, 6, 30), "E": None}


CSV_TEXT = "Åtgärd{d}Kategori{d}Arbetsgrupp{d}Beskrivning\r\nFörmånsportal, införande{d}Rekrytera{d}RAK{d}Ökad " \
           "attraktivitet\r\nÖversyn Cosmic{d}utveckla{d}Teknisk utveckling{d}\r\n"


@pytest.mark.parametrize("encoding, delimiter", [("utf-8-sig", ";"), ("utf-8", ";"), ("utf-8", ","),
                                                 ("cp1252", ";"), ("utf-8-sig", ",")])
def test_csv_with_or_without_bom_semicolon_or_comma_and_windows_1252(session, tmp_path, encoding, delimiter):
    text = CSV_TEXT.format(d=delimiter)
    if delimiter == ",":
        text = text.replace("Förmånsportal, införande", '"Förmånsportal, införande"')
    path = tmp_path / "plan.csv"
    path.write_bytes(text.encode(encoding))
    import_measures(session, None, path, now=NOW)
    got = session.execute(select(Measure.title, Measure.category, Measure.working_group, Measure.description)
                          .order_by(Measure.id)).all()
    assert [tuple(r) for r in got] == [
        ("Förmånsportal, införande", "recruit", "Rätt använd kompetens", "Ökad attraktivitet"),
        ("Översyn Cosmic", "develop", "Teknisk utveckling", None)]


def test_the_region_sheets_columns_owner_by_name_or_body_and_started(session, users, tmp_path):
    session.add(Body(name="HSD och DC", kind="department"))
    session.commit()
    path = tmp_path / "region.csv"
    path.write_text("Aktivitet;Beskrivning;Ansvarig;Påbörjat;Status\n"
                    "Sommarplanering;Säkra bemanningen;HSD och DC;Ja;Arbetet pågår.\n"
                    "Förmånsportal;;Test owner;Nej;\n", encoding="utf-8")
    import_measures(session, users["registrar"], path, now=NOW)
    a, b = session.scalars(select(Measure).order_by(Measure.id)).all()
    assert (a.owner_body.name, a.owner_id, a.status_note) == ("HSD och DC", None, "Påbörjat: Ja. Arbetet pågår.")
    assert (b.owner_id, b.status_note, b.proposer_id) == (users["owner"].id, "Påbörjat: Nej.", users["registrar"].id)


def test_a_decided_row_with_owner_and_past_due_date_is_recorded_as_decided_before_kfflow(session, users, tmp_path):
    path = xlsx(tmp_path / "beslutade.xlsx", [("Förmånsportal", "Rekrytera", "owner", "Beslutad", "2023-06-30")],
                ["Åtgärd", "Kategori", "Ansvarig", "Status", "Slutdatum"])
    import_measures(session, None, path, now=NOW)
    m = session.scalars(select(Measure)).one()
    assert (m.state, m.owner_id, m.due_date, m.status_note) == ("decided", users["owner"].id, date(2023, 6, 30), None)
    propose, imported = history_of(session, m)
    assert (propose.trigger, propose.to_state) == ("propose", "proposed")
    assert (imported.trigger, imported.from_state, imported.to_state) == ("import", "proposed", "decided")
    assert imported.fields == {"owner": "owner", "due_date": "2023-06-30"}
    assert "beslutad före kfflow" in imported.comment


def test_only_steering_and_registrars_may_import(session, users, tmp_path):
    with pytest.raises(PermissionDenied):
        import_measures(session, users["contributor"], xlsx(tmp_path / "p.xlsx", final_report_rows()), now=NOW)
    assert counts(session) == (0, 0)


def test_dry_run_reports_and_writes_nothing(session, tmp_path):
    path = xlsx(tmp_path / "plan.xlsx", final_report_rows())
    result = import_measures(session, None, path, dry_run=True, now=NOW)
    assert len(result.created) == 25
    assert counts(session) == (0, 0)


def _export(session, path):
    headings, rows = measure_table(session)
    return write_table(str(path), headings, rows, title="Åtgärder", stdout=io.StringIO())


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_export_edit_and_reimport_with_update_round_trips(session, users, tmp_path, suffix):
    import_measures(session, None, xlsx(tmp_path / "plan.xlsx", final_report_rows()), now=NOW)
    exported = tmp_path / f"export{suffix}"
    assert _export(session, exported) == 25
    # Re-importing an untouched export changes nothing.
    result = import_measures(session, None, exported, now=NOW)
    assert (len(result.created), len(result.unchanged)) == (0, 25)
    # Edit two cells, as an owner would in Excel.
    if suffix == ".xlsx":
        wb = openpyxl.load_workbook(exported)
        ws = wb.active
        headings = [c.value for c in ws[1]]
        ws.cell(2, headings.index("Status") + 1, "Enkäten är skickad.")
        ws.cell(3, headings.index("Beskrivning") + 1, "Ny beskrivning")
        wb.save(exported)
    else:
        rows = list(csv.reader(io.StringIO(exported.read_text(encoding="utf-8-sig")), delimiter=";"))
        rows[1][rows[0].index("Status")] = "Enkäten är skickad."
        rows[2][rows[0].index("Beskrivning")] = "Ny beskrivning"
        buf = io.StringIO()
        csv.writer(buf, delimiter=";").writerows(rows)
        exported.write_text(buf.getvalue(), encoding="utf-8-sig")
    before = counts(session)
    result = import_measures(session, None, exported, now=NOW)
    assert (len(result.differing), len(result.updated)) == (2, 0)
    assert counts(session) == before
    result = import_measures(session, users["steering"], exported, update=True, now=NOW)
    assert (len(result.updated), len(result.unchanged), len(result.created)) == (2, 23, 0)
    first, second = session.scalars(select(Measure).order_by(Measure.id).limit(2)).all()
    assert (first.status_note, second.description) == ("Enkäten är skickad.", "Ny beskrivning")
    edit = history_of(session, first)[-1]
    assert (edit.trigger, edit.actor_id) == ("edit", users["steering"].id)
    assert edit.fields == {"status_note": {"from": None, "to": "Enkäten är skickad."}}
    assert edit.comment.startswith("Uppdaterad från fil export")
    assert counts(session)[1] == before[1] + 2


def test_export_neutralises_formulas_and_import_restores_the_text(session, users, tmp_path):
    from kfflow.services.measures import propose_measure

    titles = ["=HYPERLINK(\"http://x\",\"klicka\")", "+46 lönesteg", "-5 dagar", "@SUMMA", "Vanlig"]
    for title in titles:
        propose_measure(session, users["contributor"], {"title": title, "description": "=1+1"}, now=NOW)
    _export(session, tmp_path / "out.csv")
    rows = list(csv.reader(io.StringIO((tmp_path / "out.csv").read_text(encoding="utf-8-sig")), delimiter=";"))
    assert [r[1] for r in rows[1:]] == ["'" + t for t in titles[:-1]] + ["Vanlig"]
    assert {r[2] for r in rows[1:]} == {"'=1+1"}
    _export(session, tmp_path / "out.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "out.xlsx").active
    assert ws.cell(2, 2).value == "'" + titles[0] and ws.cell(2, 2).data_type == "s"
    for exported in ("out.csv", "out.xlsx"):
        result = import_measures(session, None, tmp_path / exported, now=NOW)
        assert (len(result.unchanged), len(result.created)) == (5, 0)


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@A1", "\tx", "\rx"])
def test_every_formula_start_is_neutralised_and_restored(text):
    from kfflow.importing.cells import cell_text, neutralise

    assert neutralise(text) == "'" + text
    assert cell_text(neutralise(text)) == text.strip()
    assert neutralise("Vanlig text") == "Vanlig text" and cell_text("'vanlig") == "'vanlig"


def test_export_writes_utf8_with_bom_and_semicolons(session, tmp_path):
    import_measures(session, None, xlsx(tmp_path / "plan.xlsx", final_report_rows()), now=NOW)
    _export(session, tmp_path / "out.csv")
    data = (tmp_path / "out.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbfID;\xc3\x85tg\xc3\xa4rd;")
    assert "1;Karriärmodeller, fortsatt arbete;;Behålla;;;Föreslagen;;2023-06-30;;" in data.decode("utf-8-sig")


def test_a_database_error_while_writing_leaves_nothing_behind(session, tmp_path, monkeypatch):
    import kfflow.services.importing as importing

    rows = [(f"Åtgärd {i}", "Behålla", "") for i in range(importing.BATCH + 5)]
    path = xlsx(tmp_path / "plan.xlsx", rows)
    calls = []

    def fail_second_batch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return original(*args, **kwargs)
    original = importing.propose_measures_in_transaction
    monkeypatch.setattr(importing, "propose_measures_in_transaction", fail_second_batch)
    with pytest.raises(RuntimeError):
        import_measures(session, None, path, now=NOW)
    assert counts(session) == (0, 0)
    monkeypatch.setattr(importing, "propose_measures_in_transaction", original)
    assert len(import_measures(session, None, path, now=NOW).created) == importing.BATCH + 5
    # Thousands of rows take the bulk path (COPY on PostgreSQL): the rows read back as written.
    last = session.scalars(select(Measure).order_by(Measure.id.desc())).first()
    entry = history_of(session, last)[0]
    assert (last.title, last.category, last.state, last.version) == (f"Åtgärd {importing.BATCH + 4}", "retain",
                                                                     "proposed", 1)
    assert (entry.at, entry.fields["title"], entry.to_state) == (NOW, last.title, "proposed")


def test_an_upload_is_kept_in_the_database_and_only_the_previewed_file_is_imported(session, users, tmp_path):
    from kfflow.models import StoredFile
    from kfflow.services.importing import confirm_upload, preview_upload, stage_upload

    source = xlsx(tmp_path / "plan.xlsx", final_report_rows())
    with open(source, "rb") as fh:
        stored = stage_upload(session, users["registrar"], fh, "Plan 2023.xlsx", now=NOW)
    assert (stored.purpose, stored.filename, stored.created_by_id, stored.expires_at) == (
        "import_upload", "Plan 2023.xlsx", users["registrar"].id, NOW + timedelta(days=1))
    assert stored.sha256 == hashlib.sha256(source.read_bytes()).hexdigest()
    preview = preview_upload(session, users["registrar"], stored.id, now=NOW)
    assert (preview.sha256, preview.file_name, len(preview.created), counts(session)) == (
        stored.sha256, "Plan 2023.xlsx", 25, (0, 0))
    with pytest.raises(ImportRejected):
        confirm_upload(session, users["registrar"], stored.id, expected_sha256="0" * 64, now=NOW)
    for other in ("steering", "contributor"):  # someone else's upload is as if it did not exist
        with pytest.raises((ImportFileError, PermissionDenied)):
            confirm_upload(session, users[other], stored.id, expected_sha256=stored.sha256, now=NOW)
    with pytest.raises(ImportFileError, match="ingen förhandsgranskad fil"):  # expired after a day
        confirm_upload(session, users["registrar"], stored.id, expected_sha256=stored.sha256,
                       now=NOW + timedelta(days=1, seconds=1))
    assert counts(session) == (0, 0)
    result = confirm_upload(session, users["registrar"], stored.id, expected_sha256=preview.sha256, now=NOW)
    assert len(result.created) == 25
    assert session.scalar(select(func.count()).select_from(StoredFile)) == 0, "a confirmed upload is used up"
    with pytest.raises(ImportFileError):
        confirm_upload(session, users["registrar"], stored.id, expected_sha256=preview.sha256, now=NOW)
    with pytest.raises(ImportFileError, match="Filtypen"):
        stage_upload(session, users["registrar"], io.BytesIO(b"x"), "plan.exe", now=NOW)
    with pytest.raises(ImportFileError, match="större än 10 MB"):
        stage_upload(session, users["registrar"], io.BytesIO(b"x" * (MAX_FILE_BYTES + 1)), "plan.csv", now=NOW)
    assert session.scalar(select(func.count()).select_from(StoredFile)) == 0


def test_measures_further_in_their_lifecycle_round_trip_unchanged(session, users, tmp_path):
    from tests.factories import measure_in_state

    for state in ("proposed", "prioritised", "decided", "implemented", "rejected"):
        measure_in_state(session, users, state, title=f"Åtgärd {state}")
    _export(session, tmp_path / "alla.xlsx")
    before = counts(session)
    result = import_measures(session, None, tmp_path / "alla.xlsx", update=True, now=NOW)
    assert (len(result.unchanged), len(result.created), len(result.updated)) == (5, 0, 0)
    assert not result.notes and counts(session) == before
    # A state changed in the sheet is reported, not applied: the lifecycle moves cases.
    wb = openpyxl.load_workbook(tmp_path / "alla.xlsx")
    ws = wb.active
    state_col = [c.value for c in ws[1]].index("Läge") + 1
    ws.cell(2, state_col, "Beslutad")
    wb.save(tmp_path / "alla.xlsx")
    result = import_measures(session, None, tmp_path / "alla.xlsx", update=True, now=NOW)
    assert result.notes == ["rad 2: läget ändras inte av en import; för ärendet vidare i dess livscykel"]
    assert counts(session) == before
