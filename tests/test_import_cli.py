"""The command line of import, export and handover, on the test database."""
from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from kfflow.cli import Context, main
from kfflow.models import HistoryEntry, Measure
from kfflow.services.audits import add_recommendation, register_audit, update_recommendation
from kfflow.services.cases import history_of

from tests.factories import measure_in_state
from tests.test_import import final_report_rows, xlsx


@pytest.fixture
def kf(settings, database):
    """Run `kfflow ARGS…` against the test database; returns the click Result."""
    def run(*args, input=None):
        ctx = Context.__new__(Context)
        ctx.settings, ctx._db = settings, database
        return CliRunner().invoke(main, list(args), obj=ctx, input=input, catch_exceptions=False)
    return run


def test_import_then_export_to_stdout(kf, session, tmp_path):
    path = xlsx(tmp_path / "plan.xlsx", final_report_rows())
    result = kf("import", "measures", str(path))
    assert result.exit_code == 0, result.output
    assert "plan.xlsx (sha256 " in result.output and "25 skapade, 0 uppdaterade, 0 oförändrade." in result.output
    assert "Kontrollerade" not in result.output  # no progress bar when not on a terminal
    again = kf("import", "measures", str(path))
    assert "0 skapade, 0 uppdaterade, 25 oförändrade." in again.output
    out = kf("export", "measures", "-")
    assert out.exit_code == 0
    rows = list(csv.reader(io.StringIO(out.output), delimiter=";"))
    assert rows[0][:3] == ["ID", "Åtgärd", "Beskrivning"] and len(rows) == 26


def test_a_bad_file_exits_non_zero_with_the_swedish_report(kf, session, tmp_path):
    rows = final_report_rows()
    rows[17] = (rows[17][0], "Okänd kategori", "2023-13-45")
    result = kf("import", "measures", str(xlsx(tmp_path / "bad.xlsx", rows)))
    assert result.exit_code == 1
    assert 'rad 19, kolumn Kategori: "Okänd kategori" är inte en av Behålla, Rekrytera, Utveckla' in result.output
    assert session.scalar(select(func.count()).select_from(Measure)) == 0
    result = kf("import", "measures", str(xlsx(tmp_path / "plan.txt", [])))
    assert result.exit_code == 1 and "Filtypen ”.txt” kan inte läsas" in result.output
    assert "Inget har sparats." in result.output
    result = kf("import", "measures", str(tmp_path / "saknas.xlsx"))
    assert result.exit_code == 2 and "Filen" in result.output and "finns inte." in result.output


def test_dry_run_lists_what_would_happen(kf, session, tmp_path):
    path = xlsx(tmp_path / "plan.xlsx", final_report_rows()[:2])
    kf("import", "measures", str(path))
    wb = openpyxl.load_workbook(path)
    wb.active.append(["Ny åtgärd", "Utveckla", "2023-06-30"])
    wb.active.cell(2, 3, "2024-01-31")
    wb.save(path)
    result = kf("import", "measures", "--dry-run", str(path))
    assert "skapas       rad 4: Ny åtgärd" in result.output
    assert "lämnas       rad 2: Karriärmodeller, fortsatt arbete (nr 1)" in result.output
    assert "Obs: rad 2: slutdatum 2024-01-31 ändras inte av en import" in result.output
    assert "1 skulle skapas" in result.output and "Inget sparat (--dry-run)." in result.output
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Measure)) == 2


def test_import_as_a_user_needs_an_importing_role(kf, users, session, tmp_path):
    path = xlsx(tmp_path / "plan.xlsx", final_report_rows())
    result = kf("import", "measures", "--as", "contributor", str(path))
    assert result.exit_code == 2 and "kräver rollen registrar eller steering" in result.output
    result = kf("import", "measures", "--as", "registrar", str(path))
    assert result.exit_code == 0
    entry = session.scalars(select(HistoryEntry).order_by(HistoryEntry.id)).first()
    assert entry.actor_id == users["registrar"].id


def test_export_audits_with_answers_and_linked_measures(kf, users, session, tmp_path):
    measure = measure_in_state(session, users, "proposed", title="=Förmånsportal")
    audit = register_audit(session, users["registrar"], {"name": "Fördjupad granskning", "number": "7/2022",
                                                          "subject": "Strategisk kompetensförsörjning"})
    rec = add_recommendation(session, users["registrar"], audit.id, 1, "Säkerställ en långsiktig plan.")
    update_recommendation(session, users["registrar"], rec.id, {"answer": "Planen tas fram.",
                                                                "measure_ids": [measure.id]}, None)
    result = kf("export", "audits", str(tmp_path / "revision.xlsx"))
    assert result.exit_code == 0 and "1 rekommendationer skrivna" in result.output
    ws = openpyxl.load_workbook(tmp_path / "revision.xlsx").active
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert rows[0][:6] == ["Granskning", "Nummer", "Ämne", "Diarienummer", "Rekommendation nr", "Rekommendation"]
    assert rows[1][0:2] == ["Fördjupad granskning", "7/2022"]
    assert rows[1][7] == "Planen tas fram." and rows[1][9] == f"{measure.id} =Förmånsportal"
    csv_out = kf("export", "audits", "-").output
    assert "Säkerställ en långsiktig plan." in csv_out


def test_handover_command_reassigns_each_open_case_and_prints_them(kf, users, session):
    a = measure_in_state(session, users, "decided", title="A")
    b = measure_in_state(session, users, "implemented", title="B")
    dry = kf("handover", "--from-owner", "owner", "--to-owner", "other_owner", "--reason", "HR tar över",
             "--as", "steering", "--dry-run")
    assert dry.exit_code == 0 and f"lämnas över: åtgärd {a.id} A" in dry.output
    session.rollback()
    assert session.get(Measure, a.id, populate_existing=True).owner_id == users["owner"].id
    result = kf("handover", "--from-owner", "owner", "--to-owner", "other_owner", "--reason", "HR tar över",
                "--state", "decided", "--as", "steering")
    assert result.exit_code == 0, result.output
    assert f"överlämnad: åtgärd {a.id} A" in result.output
    assert "1 ärenden lämnade över till other_owner" in result.output
    session.rollback()
    assert session.get(Measure, a.id, populate_existing=True).owner_id == users["other_owner"].id
    assert session.get(Measure, b.id, populate_existing=True).owner_id == users["owner"].id
    assert history_of(session, a)[-1].fields["reason"] == "HR tar över"


def test_handover_refuses_a_role_that_may_not_reassign_and_changes_nothing(kf, users, session):
    a = measure_in_state(session, users, "decided", title="A")
    result = kf("handover", "--from-owner", "owner", "--to-owner", "other_owner", "--reason", "x",
                "--as", "council")
    assert result.exit_code == 1 and "Inget har lämnats över." in result.output
    result = kf("handover", "--from-owner", "owner", "--to-owner", "nobody", "--reason", "x", "--as", "steering")
    assert result.exit_code == 2 and "Det finns ingen användare ”nobody”" in result.output
    result = kf("handover", "--from-owner", "owner", "--to-owner", "other_owner", "--reason", "x")
    assert result.exit_code == 2 and "--as" in result.output
    session.rollback()
    assert session.get(Measure, a.id, populate_existing=True).owner_id == users["owner"].id
