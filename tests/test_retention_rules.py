"""workflows/retention.yaml: the shipped rules pass `workflows check`; a rule naming what does not exist fails."""
from __future__ import annotations

import shutil
from datetime import timedelta

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import func, text
from sqlalchemy.exc import DatabaseError

from kfflow.cli import main

from tests.conftest import NOW, WORKFLOWS_PATH


def test_the_shipped_retention_rules_pass_workflows_check():
    result = CliRunner().invoke(main, ["workflows", "check", "--path", str(WORKFLOWS_PATH)])
    assert result.exit_code == 0, result.output
    assert "retention.yaml: 5 gallringsregler — OK" in result.output


@pytest.mark.parametrize("change, message", [
    ({"kind": "meeting"}, "unknown case kind 'meeting'"),
    ({"record": "minutes"}, "unknown record type 'minutes'"),
    ({"kind": "audit"}, "a audit has no progress_report records"),
    ({"states": ["evaluated", "archived"]}, "measure has no state archived"),
    ({"after_years": None}, "names the states the case has ended in and after_years"),
    ({"record": "history"}, "history records are kept; a rule may only say keep: true"),
    ({"after_years": -1}, "greater than or equal to 0"),
    ({"typo": 1}, "Extra inputs are not permitted"),
])
def test_a_bad_retention_rule_fails_workflows_check(tmp_path, change, message):
    folder = tmp_path / "workflows"
    shutil.copytree(WORKFLOWS_PATH, folder)
    data = yaml.safe_load((folder / "retention.yaml").read_text(encoding="utf-8"))
    data["rules"][0].update(change)
    (folder / "retention.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = CliRunner().invoke(main, ["workflows", "check", "--path", str(folder)])
    assert result.exit_code == 1
    assert "gallringsreglerna" in result.output and message in result.output, result.output


# --- kfflow gallra -------------------------------------------------------------------------------

def _closed_and_open_measures(session, users):
    """An evaluated measure with a progress report made while it ran, and a running one with its own."""
    from kfflow.services.cases import fire
    from kfflow.services.measures import add_progress_report
    from tests.factories import measure_in_state

    closed = measure_in_state(session, users, "implemented", title="Förmånsportal")
    add_progress_report(session, users["owner"], closed.id, done="Lena Ödman har upphandlat portalen",
                        ongoing=None, planned=None, now=NOW)
    fire(session, users["steering"], closed, "evaluate", {"evaluation": "Fungerar.", "effect": "achieved"}, now=NOW)
    running = measure_in_state(session, users, "decided", title="Karriärmodeller")
    add_progress_report(session, users["owner"], running.id, done="Kartläggning", ongoing=None, planned=None,
                        now=NOW)
    return closed, running


def test_gallra_thins_only_what_a_rule_allows_and_keeps_the_chain(session, users, invoke):
    from sqlalchemy import select

    from kfflow.models import HistoryEntry, ProgressReport, ThinningLogEntry

    closed, running = _closed_and_open_measures(session, users)
    one_year, three_years = (NOW + timedelta(days=d) for d in (365, 3 * 365))

    early = invoke("gallra", "--dry-run", "--now", one_year.isoformat())
    assert early.exit_code == 0 and "Skulle gallra 0 handlingar." in early.output
    planned = invoke("gallra", "--dry-run", "--now", three_years.isoformat())
    assert planned.exit_code == 0 and "Skulle gallra 1 handlingar." in planned.output
    assert f"(measure {closed.id}," in planned.output
    assert session.scalar(select(func.count()).select_from(ProgressReport)) == 2  # a dry run changes nothing

    refused = invoke("gallra", "--execute", "--as", "owner", "--now", three_years.isoformat())
    assert refused.exit_code == 1 and "behörighet" in refused.output
    done = invoke("gallra", "--execute", "--as", "registrar", "--now", three_years.isoformat())
    assert done.exit_code == 0 and "Gallrat 1 handlingar." in done.output, done.output

    session.rollback()  # end the read transaction begun before the command ran
    assert [r.measure_id for r in session.scalars(select(ProgressReport))] == [running.id]
    log = session.scalars(select(ThinningLogEntry)).one()
    assert (log.case_id, log.record_type, log.actor_id) == (closed.id, "progress_report", users["registrar"].id)
    history = session.scalars(select(HistoryEntry).where(HistoryEntry.case_id == closed.id,
                                                         HistoryEntry.case_kind == "measure")
                              .order_by(HistoryEntry.seq)).all()
    reported = next(e for e in history if e.trigger == "report_progress")
    assert reported.thinned_digest and "Ödman" not in str(reported.fields)  # the text is gone from history too
    assert history[-1].trigger == "gallra" and history[-1].fields["thinned_history"] == [reported.seq]
    assert invoke("history", "verify").exit_code == 0
    again = invoke("gallra", "--execute", "--as", "registrar", "--now", three_years.isoformat())
    assert "Gallrat 0 handlingar." in again.output
    session.rollback()
    with pytest.raises(DatabaseError, match="never changed"), session.begin():
        session.execute(text("UPDATE thinning_log SET rule = 'x'"))


def test_a_thinning_without_its_tombstone_fails_verify(session, users, invoke, db_url):
    """Someone who thins an entry by hand (the trigger lets thinning through) is caught by verify."""
    from sqlalchemy import select, update

    from kfflow.models import HistoryEntry
    from kfflow.models.history import HASHED_COLUMNS, content_digest

    closed, _ = _closed_and_open_measures(session, users)
    table = HistoryEntry.__table__
    entry = session.execute(select(table).where(table.c.case_id == closed.id, table.c.case_kind == "measure",
                                                table.c.trigger == "report_progress")).one()
    session.execute(update(table).where(table.c.id == entry.id).values(
        thinned_digest=content_digest(*(entry._mapping[c] for c in HASHED_COLUMNS)), fields={}))
    session.commit()
    result = invoke("history", "verify")
    assert result.exit_code == 1 and f"entry #{entry.seq} was thinned, but no thinning entry" in result.output


def test_the_database_lets_only_thinning_through(session, users, db_url):
    closed, _ = _closed_and_open_measures(session, users)
    session.commit()
    for statement in ("UPDATE history_entry SET thinned_digest = 'x', seq = seq + 100",
                      "UPDATE history_entry SET comment = 'x'"):
        with pytest.raises(DatabaseError, match="never changed"):
            with session.begin():
                session.execute(text(statement))
        session.rollback()
