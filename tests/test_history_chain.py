"""Tamper-evident history: the database refuses changes, and `kfflow history verify` catches what a superuser
does behind its back (edited, deleted, reordered, inserted entries)."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, insert, text
from sqlalchemy.exc import DatabaseError

from kfflow.db import utcnow
from kfflow.models import HistoryEntry, Measure
from kfflow.models.append_only import drop_database_guard_sql, history_guard_sql
from kfflow.models.history import HASHED_COLUMNS, chain_hash, content_digest
from kfflow.services.history import verify_history
from kfflow.services.measures import add_progress_report

from tests.audit_factories import answered_audit, decide
from tests.factories import measure_in_state


@pytest.fixture
def raw(db_url):
    """A plain connection as the superuser (postgres) or file owner (SQLite): what an intruder would have."""
    engine = create_engine(db_url.replace("postgresql://", "postgresql+psycopg://"))
    yield engine
    engine.dispose()


def _histories(session, users):
    """A measure whose history was written by a bulk insert (propose), transitions and a progress report."""
    measure = measure_in_state(session, users, "decided")
    add_progress_report(session, users["steering"], measure.id, done="Portalen är upphandlad", ongoing=None,
                        planned=None)
    return measure


def test_empty_database_verifies(invoke):
    result = invoke("history", "verify")
    assert result.exit_code == 0, result.output
    assert "0 poster" in result.output


def test_every_writer_chains_and_verify_passes(session, users, invoke):
    measure = _histories(session, users)
    session.refresh(measure)
    entries = session.query(HistoryEntry).filter_by(case_kind="measure", case_id=measure.id) \
        .order_by(HistoryEntry.seq).all()
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    assert entries[-1].trigger == "report_progress"
    assert (measure.history_length, measure.history_head) == (len(entries), entries[-1].entry_hash)
    result = invoke("history", "verify")
    assert result.exit_code == 0, result.output


def test_database_refuses_update_and_delete_of_history_and_register(session, users, raw):
    from kfflow.services.documents import register_yttrande

    audit, _ = answered_audit(session, users)
    decide(session, users, audit)
    register_yttrande(session, users["registrar"], audit.id)
    for statement in ("UPDATE history_entry SET comment = 'x'", "DELETE FROM history_entry",
                      "UPDATE document_record SET sha256 = 'x'", "DELETE FROM document_record"):
        with raw.begin() as conn, pytest.raises(DatabaseError, match="never changed or deleted"):
            conn.execute(text(statement))


def _set_guard(raw, on: bool):
    """As the superuser: switch the history table's trigger off (to tamper) or back on."""
    with raw.begin() as conn:
        if raw.dialect.name == "postgresql":
            conn.execute(text(f"ALTER TABLE history_entry {'ENABLE' if on else 'DISABLE'} TRIGGER "
                              "history_entry_append_only"))
        else:
            for statement in history_guard_sql("sqlite") if on else drop_database_guard_sql("history_entry", "sqlite"):
                conn.execute(text(statement))


def _edit(conn, ids):
    conn.execute(text("UPDATE history_entry SET comment = 'ändrad i efterhand' WHERE id = :id"), {"id": ids[1]})
    return ids[1]


def _delete_middle(conn, ids):
    conn.execute(text("DELETE FROM history_entry WHERE id = :id"), {"id": ids[1]})
    return ids[2]  # the next entry is the first that no longer matches


def _delete_newest(conn, ids):
    conn.execute(text("DELETE FROM history_entry WHERE id = :id"), {"id": ids[-1]})
    return None  # caught by the case's head, not by an entry


def _reorder(conn, ids):
    conn.execute(text("UPDATE history_entry SET seq = -1 WHERE id = :id"), {"id": ids[0]})
    conn.execute(text("UPDATE history_entry SET seq = 1 WHERE id = :id"), {"id": ids[1]})
    conn.execute(text("UPDATE history_entry SET seq = 2 WHERE id = :id"), {"id": ids[0]})
    return ids[1]


def _insert(conn, ids):
    """A forged entry put before the newest, hashed correctly onto its predecessor: the newest then breaks."""
    table = HistoryEntry.__table__
    rows = conn.execute(table.select().where(table.c.id.in_(ids[-2:])))
    before, newest = sorted((dict(r._mapping) for r in rows), key=lambda r: r["seq"])
    conn.execute(text("UPDATE history_entry SET seq = seq + 1 WHERE id = :id"), {"id": newest["id"]})
    forged = {c: before[c] for c in HASHED_COLUMNS}
    forged.update(seq=newest["seq"], trigger="edit", comment="infogad i efterhand", fields={})
    forged["entry_hash"] = chain_hash(before["entry_hash"], content_digest(*(forged[c] for c in HASHED_COLUMNS)))
    conn.execute(insert(HistoryEntry.__table__), forged)
    return newest["id"]


@pytest.mark.parametrize("tamper", [_edit, _delete_middle, _delete_newest, _reorder, _insert],
                         ids=["edited", "deleted", "deleted-newest", "reordered", "inserted"])
def test_verify_names_the_first_tampered_entry(session, users, raw, invoke, tamper):
    measure = _histories(session, users)
    ids = session.scalars(HistoryEntry.__table__.select().with_only_columns(HistoryEntry.id)
                          .where(HistoryEntry.case_kind == "measure", HistoryEntry.case_id == measure.id)
                          .order_by(HistoryEntry.seq)).all()
    assert len(ids) >= 3 and verify_history(session).ok
    session.commit()
    _set_guard(raw, False)
    try:
        with raw.begin() as conn:
            culprit = tamper(conn, ids)
    finally:
        _set_guard(raw, True)

    result = invoke("history", "verify")
    assert result.exit_code == 1
    if culprit is None:
        assert f"measure {measure.id}: the chain ends at entry {len(ids) - 1}" in result.output
    else:
        assert f"history entry {culprit} (measure {measure.id}," in result.output


# PostgreSQL only: on SQLite a service's write transaction holds the database's one write lock from the start,
# so two writers cannot interleave there.
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
@pytest.mark.parametrize("mine_changes_the_case", [False, True], ids=["case-unchanged", "case-changed"])
def test_concurrent_append_at_the_same_place_is_stale(session, users, database, mine_changes_the_case):
    from kfflow.errors import StaleCase
    from kfflow.services._common import add_history

    measure = _histories(session, users)
    session.commit()
    other = database.session()
    try:
        mine = session.get(Measure, measure.id, populate_existing=True)
        theirs = other.get(Measure, measure.id)
        add_history(other, case=theirs, trigger="edit", from_state=theirs.state, actor=None, comment="först")
        other.commit()
        if mine_changes_the_case:
            mine.title = "Ny titel"  # the chain head then rides in the case's own UPDATE
        with pytest.raises(StaleCase):
            add_history(session, case=mine, trigger="edit", from_state=mine.state, actor=None, comment="sen")
        session.rollback()
    finally:
        other.close()
    assert verify_history(session).ok


def test_the_schedulers_daily_job_shows_in_metrics(client, session, users, database, raw):
    from kfflow.reminders.scheduler import daily_jobs

    assert "kfflow_history_chain_ok NaN" in client.get("/metrics").get_data(as_text=True)
    measure = _histories(session, users)
    session.commit()
    daily_jobs(database)["history-verify"](utcnow())
    assert "kfflow_history_chain_ok 1.0" in client.get("/metrics").get_data(as_text=True)
    _set_guard(raw, False)
    try:
        with raw.begin() as conn:
            conn.execute(text("UPDATE history_entry SET comment = 'x' WHERE case_id = :id"), {"id": measure.id})
    finally:
        _set_guard(raw, True)
    daily_jobs(database)["history-verify"](utcnow())
    assert "kfflow_history_chain_ok 0.0" in client.get("/metrics").get_data(as_text=True)
