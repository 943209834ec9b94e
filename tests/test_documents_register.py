"""Registering the final yttrande: a new version each time, stored once in the database, hashed, never changed."""
import hashlib

import pytest
from sqlalchemy import select, text as sql, update
from sqlalchemy.exc import IntegrityError

from kfflow.errors import GuardFailed, PermissionDenied, ValidationError
from kfflow.models import Audit, DocumentRecord, DocumentRegisterIsAppendOnly, StoredFile, StoredFileIsImmutable
from kfflow.services.cases import fire, history_of
from kfflow.services.documents import (StoredDocumentCorrupt, current_yttrande, read_registered,
                                       register_yttrande, registered_documents)

from tests.audit_factories import answered_audit, decide
from tests.conftest import NOW
from tests.pdf_checks import embedded_json, text


@pytest.fixture
def decided_audit(session, users):
    audit, _ = answered_audit(session, users)
    decide(session, users, audit)
    return audit


def test_registers_the_final_yttrande_with_its_hash(session, users, decided_audit):
    record = register_yttrande(session, users["registrar"], decided_audit.id, now=NOW)
    stored = read_registered(session, record)
    assert hashlib.sha256(stored).hexdigest() == record.sha256 and record.size == len(stored)
    assert (record.diarienummer, record.document_number, record.version, record.kind) == (
        "RS/351/2022", 1, 1, "yttrande")
    assert (record.stored_file.filename, record.stored_file.purpose, record.stored_file.sha256) == (
        "RS-351-2022-0001-yttrande-v1.pdf", "document", record.sha256)
    assert (record.generated_by_id, record.document_date) == (users["registrar"].id, NOW.date())
    assert "UTKAST" not in text(stored)
    data = embedded_json(stored)
    assert (data["draft"], data["document_number"], data["version"]) == (False, 1, 1)
    entry = history_of(session, decided_audit)[-1]
    assert (entry.trigger, entry.fields["sha256"]) == ("register_document", record.sha256)
    assert current_yttrande(session, users["contributor"], decided_audit.id).content == stored


def test_generating_again_makes_a_new_version_and_keeps_the_old(session, users, decided_audit):
    first = register_yttrande(session, users["registrar"], decided_audit.id, now=NOW)
    first_bytes = read_registered(session, first)
    second = register_yttrande(session, users["registrar"], decided_audit.id, now=NOW)
    assert (second.version, second.document_number) == (2, 2)
    assert second.stored_file_id != first.stored_file_id
    assert read_registered(session, first) == first_bytes
    assert [r.version for r in registered_documents(session, users["owner"], decided_audit.id)] == [1, 2]
    latest = current_yttrande(session, users["owner"], decided_audit.id)
    assert latest.record.id == second.id and latest.filename == "RS-351-2022-0002-yttrande-v2.pdf"


def test_send_is_possible_once_registered(session, users, decided_audit):
    register_yttrande(session, users["registrar"], decided_audit.id, now=NOW)
    fire(session, users["registrar"], decided_audit, "send", {"sent_on": "2023-04-03"}, now=NOW)
    audit = session.get(Audit, decided_audit.id)
    assert (audit.state, audit.sent_on.isoformat()) == ("sent", "2023-04-03")
    fire(session, users["steering"], audit, "follow_up", {"follow_up_note": "Revisorerna har tagit del av svaret."},
         now=NOW)
    assert session.get(Audit, audit.id).state == "followed_up"
    assert [h.trigger for h in history_of(session, audit)] == [
        "register", "start_drafting", "decide", "register_document", "send", "follow_up"]


def test_only_the_registrar_registers_and_only_after_the_decision(session, users):
    audit, _ = answered_audit(session, users)
    with pytest.raises(GuardFailed, match="först när beslutet"):
        register_yttrande(session, users["registrar"], audit.id, now=NOW)
    decide(session, users, audit)
    for role in ("steering", "owner", "admin"):
        with pytest.raises(PermissionDenied):
            register_yttrande(session, users[role], audit.id, now=NOW)
    assert session.query(DocumentRecord).count() == session.query(StoredFile).count() == 0


def test_needs_a_diarienummer(session, users):
    audit, _ = answered_audit(session, users, diarienummer=None)
    decide(session, users, audit)
    with pytest.raises(ValidationError) as err:
        register_yttrande(session, users["registrar"], audit.id, now=NOW)
    assert set(err.value.fields) == {"diarienummer"}


def test_audits_whose_diarienummer_differ_only_in_punctuation_both_register(session, users):
    """They once mapped to one file name, and the second could never register."""
    records = []
    for dnr in ("RS/500/2026", "RS 500 2026"):
        audit, _ = answered_audit(session, users, diarienummer=dnr)
        decide(session, users, audit)
        records.append(register_yttrande(session, users["registrar"], audit.id, now=NOW))
    assert [(r.diarienummer, r.document_number, r.version) for r in records] == [
        ("RS/500/2026", 1, 1), ("RS 500 2026", 1, 1)]
    assert records[0].stored_file_id != records[1].stored_file_id
    for record in records:
        assert hashlib.sha256(read_registered(session, record)).hexdigest() == record.sha256


def test_register_is_append_only_and_checks_stored_bytes(session, users, decided_audit):
    record = register_yttrande(session, users["registrar"], decided_audit.id, now=NOW)
    record.sha256 = "0" * 64
    with pytest.raises(DocumentRegisterIsAppendOnly):
        session.flush()
    session.rollback()
    with pytest.raises(DocumentRegisterIsAppendOnly):
        session.execute(update(DocumentRecord).values(version=9))
    session.rollback()
    session.delete(session.get(DocumentRecord, record.id))
    with pytest.raises(DocumentRegisterIsAppendOnly):
        session.flush()
    session.rollback()
    record = session.get(DocumentRecord, record.id)
    stored = record.stored_file
    stored.filename = "annat.pdf"
    with pytest.raises(StoredFileIsImmutable):
        session.flush()
    session.rollback()
    with pytest.raises(StoredFileIsImmutable):
        session.execute(update(StoredFile).values(content=b"x"))
    session.rollback()
    session.delete(session.get(StoredFile, record.stored_file_id))
    with pytest.raises(IntegrityError):  # the register row refers to it: a registered document is never deleted
        session.flush()
    session.rollback()
    # Bytes changed behind the application's back (plain SQL) are caught on reading.
    session.execute(sql("update stored_file set content = :c where id = :i"),
                    {"c": b"%PDF-1.7 tampered", "i": record.stored_file_id})
    session.commit()
    record = session.scalar(select(DocumentRecord))
    with pytest.raises(StoredDocumentCorrupt, match="stämmer inte"):
        read_registered(session, record)


def test_current_yttrande_is_a_draft_until_registered(session, users):
    audit, _ = answered_audit(session, users)
    found = current_yttrande(session, users["contributor"], audit.id, now=NOW)
    assert found.record is None and found.filename == "RS-351-2022-yttrande-utkast.pdf"
    assert "UTKAST" in text(found.content)


def test_history_stays_append_only_too(session, users, decided_audit):
    """The register and the history share one append-only rule."""
    from kfflow.models import HistoryEntry, HistoryIsAppendOnly

    entry = history_of(session, decided_audit)[-1]
    entry.comment = "ändrad"
    with pytest.raises(HistoryIsAppendOnly):
        session.flush()
    session.rollback()
    with pytest.raises(HistoryIsAppendOnly, match="rows of history_entry"):
        session.execute(update(HistoryEntry).values(comment="x"))
    session.rollback()
    session.delete(session.get(HistoryEntry, entry.id))
    with pytest.raises(HistoryIsAppendOnly):
        session.flush()
    session.rollback()
