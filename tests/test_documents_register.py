"""Registering the final yttrande: a new version each time, stored once, hashed, never changed."""
import hashlib

import pytest
from sqlalchemy import update

from kfflow.errors import GuardFailed, PermissionDenied, ValidationError
from kfflow.models import Audit, DocumentRecord, DocumentRegisterIsAppendOnly
from kfflow.services.cases import fire, history_of
from kfflow.services.documents import (StoredDocumentCorrupt, current_yttrande, read_registered,
                                       register_yttrande, registered_documents)

from tests.audit_factories import answered_audit, decide
from tests.conftest import NOW
from tests.pdf_checks import embedded_json, text


@pytest.fixture
def storage(tmp_path):
    return tmp_path / "documents"


@pytest.fixture
def decided_audit(session, users):
    audit, _ = answered_audit(session, users)
    decide(session, users, audit)
    return audit


def test_registers_the_final_yttrande_with_its_hash(session, users, decided_audit, storage):
    record = register_yttrande(session, users["registrar"], decided_audit.id, storage, now=NOW)
    stored = (storage / record.file_path).read_bytes()
    assert hashlib.sha256(stored).hexdigest() == record.sha256 and record.size == len(stored)
    assert (record.diarienummer, record.document_number, record.version, record.kind) == (
        "RS/351/2022", 1, 1, "yttrande")
    assert record.file_path == "RS-351-2022/RS-351-2022-0001-yttrande-v1.pdf"
    assert (record.generated_by_id, record.document_date) == (users["registrar"].id, NOW.date())
    assert "UTKAST" not in text(stored)
    data = embedded_json(stored)
    assert (data["draft"], data["document_number"], data["version"]) == (False, 1, 1)
    entry = history_of(session, decided_audit)[-1]
    assert (entry.trigger, entry.fields["sha256"]) == ("register_document", record.sha256)
    assert current_yttrande(session, users["contributor"], decided_audit.id, storage).content == stored


def test_generating_again_makes_a_new_version_and_keeps_the_old(session, users, decided_audit, storage):
    first = register_yttrande(session, users["registrar"], decided_audit.id, storage, now=NOW)
    first_bytes = (storage / first.file_path).read_bytes()
    second = register_yttrande(session, users["registrar"], decided_audit.id, storage, now=NOW)
    assert (second.version, second.document_number) == (2, 2)
    assert second.file_path != first.file_path
    assert read_registered(first, storage) == first_bytes
    assert [r.version for r in registered_documents(session, users["owner"], decided_audit.id)] == [1, 2]
    latest = current_yttrande(session, users["owner"], decided_audit.id, storage)
    assert latest.record.id == second.id and latest.filename == "RS-351-2022-0002-yttrande-v2.pdf"


def test_send_is_possible_once_registered(session, users, decided_audit, storage):
    register_yttrande(session, users["registrar"], decided_audit.id, storage, now=NOW)
    fire(session, users["registrar"], decided_audit, "send", {"sent_on": "2023-04-03"}, now=NOW)
    audit = session.get(Audit, decided_audit.id)
    assert (audit.state, audit.sent_on.isoformat()) == ("sent", "2023-04-03")
    fire(session, users["steering"], audit, "follow_up", {"follow_up_note": "Revisorerna har tagit del av svaret."},
         now=NOW)
    assert session.get(Audit, audit.id).state == "followed_up"
    assert [h.trigger for h in history_of(session, audit)] == [
        "register", "start_drafting", "decide", "register_document", "send", "follow_up"]


def test_only_the_registrar_registers_and_only_after_the_decision(session, users, storage):
    audit, _ = answered_audit(session, users)
    with pytest.raises(GuardFailed, match="först när beslutet"):
        register_yttrande(session, users["registrar"], audit.id, storage, now=NOW)
    decide(session, users, audit)
    for role in ("steering", "owner", "admin"):
        with pytest.raises(PermissionDenied):
            register_yttrande(session, users[role], audit.id, storage, now=NOW)
    assert not storage.exists()
    assert session.query(DocumentRecord).count() == 0


def test_needs_a_diarienummer(session, users, storage):
    audit, _ = answered_audit(session, users, diarienummer=None)
    decide(session, users, audit)
    with pytest.raises(ValidationError) as err:
        register_yttrande(session, users["registrar"], audit.id, storage, now=NOW)
    assert set(err.value.fields) == {"diarienummer"}


def test_never_overwrites_a_file(session, users, decided_audit, storage):
    squatter = storage / "RS-351-2022" / "RS-351-2022-0001-yttrande-v1.pdf"
    squatter.parent.mkdir(parents=True)
    squatter.write_bytes(b"not ours")
    with pytest.raises(FileExistsError):
        register_yttrande(session, users["registrar"], decided_audit.id, storage, now=NOW)
    assert squatter.read_bytes() == b"not ours"
    assert session.query(DocumentRecord).count() == 0


def test_register_is_append_only_and_checks_stored_bytes(session, users, decided_audit, storage):
    record = register_yttrande(session, users["registrar"], decided_audit.id, storage, now=NOW)
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
    path = storage / record.file_path
    path.write_bytes(path.read_bytes() + b"%tampered")
    with pytest.raises(StoredDocumentCorrupt):
        read_registered(record, storage)


def test_current_yttrande_is_a_draft_until_registered(session, users, storage):
    audit, _ = answered_audit(session, users)
    found = current_yttrande(session, users["contributor"], audit.id, storage, now=NOW)
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
