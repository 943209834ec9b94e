"""The store for bytes (kfflow.storage) and the upgrade that moves registered documents from disk into it."""
from __future__ import annotations

import hashlib
from datetime import date, timedelta

import pytest
from sqlalchemy import func, inspect, select, text

from kfflow.db import make_engine, refuses_writes
from kfflow.migrate import alembic_config, upgrade
from kfflow.models import StoredFile
from kfflow.storage import StoredFileCorrupt, delete_expired, get_stored, open_stored, read_bytes, store_bytes

from tests.conftest import NOW
from tests.deploy_support import empty_database


def test_stored_bytes_commit_with_the_callers_transaction_and_read_back_checked(session, users):
    stored = store_bytes(session, b"%PDF-1.7 bytes", filename="a.pdf", media_type="application/pdf",
                         purpose=StoredFile.PURPOSE_REPORT, created_by=users["steering"], now=NOW,
                         expires_at=NOW + timedelta(hours=1))
    session.rollback()  # the caller's transaction did not commit: nothing is kept
    assert session.scalar(select(func.count()).select_from(StoredFile)) == 0

    stored = store_bytes(session, b"%PDF-1.7 bytes", filename="a.pdf", media_type="application/pdf",
                         purpose=StoredFile.PURPOSE_REPORT, created_by=users["steering"], now=NOW,
                         expires_at=NOW + timedelta(hours=1))
    session.commit()
    session.expunge_all()
    found = get_stored(session, stored.id, purpose=StoredFile.PURPOSE_REPORT)
    assert "content" not in found.__dict__, "the bytes are loaded only when asked for"
    assert (found.size, found.sha256, found.backend) == (14, hashlib.sha256(b"%PDF-1.7 bytes").hexdigest(),
                                                         "database")
    assert read_bytes(session, stored.id) == b"%PDF-1.7 bytes" == open_stored(session, found).read()
    with pytest.raises(StoredFileCorrupt):
        read_bytes(session, found, expected_sha256="0" * 64)
    with pytest.raises(Exception, match="Filen finns inte"):
        get_stored(session, stored.id, purpose=StoredFile.PURPOSE_DOCUMENT)

    assert delete_expired(session, now=NOW + timedelta(minutes=59)) == 0
    assert delete_expired(session, now=NOW + timedelta(hours=1, seconds=1)) == 1
    session.commit()
    assert session.scalar(select(func.count()).select_from(StoredFile)) == 0


def _refusal(exc_class, *args):
    from sqlalchemy.exc import OperationalError

    return OperationalError("INSERT …", {}, exc_class(*args))


def test_what_counts_as_a_store_refusing_writes():
    import errno
    import sqlite3

    import psycopg.errors

    full = sqlite3.OperationalError("database or disk is full")
    full.sqlite_errorcode = sqlite3.SQLITE_FULL
    locked = sqlite3.OperationalError("database is locked")
    locked.sqlite_errorcode = sqlite3.SQLITE_BUSY
    assert refuses_writes(_refusal(lambda: full))
    assert not refuses_writes(_refusal(lambda: locked))
    assert refuses_writes(_refusal(psycopg.errors.DiskFull, "could not extend file"))
    assert refuses_writes(_refusal(psycopg.errors.ReadOnlySqlTransaction, "read-only transaction"))
    assert not refuses_writes(_refusal(psycopg.errors.UniqueViolation, "duplicate key"))
    assert refuses_writes(OSError(errno.ENOSPC, "No space left on device"))
    assert refuses_writes(OSError(errno.EROFS, "Read-only file system"))
    assert not refuses_writes(OSError(errno.ENOENT, "No such file"))
    assert not refuses_writes(ValueError("x"))


# --- the upgrade from documents on disk (0001) to documents in the database (0002) ----------------

def _legacy_documents(url: str, folder) -> dict[int, bytes]:
    """A 0001 database whose register points at files under <instance>/documents, as kfflow wrote them."""
    engine = make_engine(url)
    contents = {}
    with engine.begin() as conn:
        for number, dnr in enumerate(("RS/500/2026", "RS/501/2026"), start=1):
            content = f"%PDF-1.7 yttrande {number}".encode()
            relative = f"{dnr.replace('/', '-')}/{dnr.replace('/', '-')}-0001-yttrande-v1.pdf"
            (folder / relative).parent.mkdir(parents=True, exist_ok=True)
            (folder / relative).write_bytes(content)
            record_id = conn.execute(text(
                "insert into document_record (diarienummer, document_number, kind, subject_kind, subject_id, "
                "version, document_date, sha256, size, media_type, file_path, created_at) values "
                "(:dnr, 1, 'yttrande', 'audit', :n, 1, :d, :sha, :size, 'application/pdf', :path, :at) returning id"),
                {"dnr": dnr, "n": number, "d": date(2026, 3, 2), "sha": hashlib.sha256(content).hexdigest(),
                 "size": len(content), "path": relative, "at": NOW.replace(tzinfo=None)}).scalar_one()
            contents[record_id] = content
    engine.dispose()
    return contents


def _columns(url: str, table: str) -> set[str]:
    """The table's column names; an empty set when there is no such table."""
    engine = make_engine(url)
    found = inspect(engine)
    names = {c["name"] for c in found.get_columns(table)} if found.has_table(table) else set()
    engine.dispose()
    return names


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_upgrade_moves_registered_documents_into_the_database_and_downgrade_writes_them_back(kind, tmp_path,
                                                                                          request):
    from alembic import command

    if kind == "postgresql":
        request.getfixturevalue("pg_database_url")  # skipped (or failed under CI) like every PostgreSQL test
    instance = tmp_path / "instance"
    folder = instance / "documents"
    with empty_database(kind, tmp_path) as url:
        upgrade(url, "0001_initial")
        contents = _legacy_documents(url, folder)

        # A missing file stops the upgrade with nothing changed.
        missing = next(p for p in folder.rglob("*.pdf") if "501" in p.name)
        kept = missing.read_bytes()
        missing.unlink()
        with pytest.raises(RuntimeError, match="cannot be read"):
            upgrade(url, instance_path=instance)
        assert "file_path" in _columns(url, "document_record")
        assert _columns(url, "stored_file") == set()
        missing.write_bytes(kept)

        upgrade(url, instance_path=instance)
        engine = make_engine(url)
        with engine.connect() as conn:
            rows = conn.execute(text("select d.id, d.sha256, s.sha256, s.content, s.filename, s.purpose "
                                     "from document_record d join stored_file s on s.id = d.stored_file_id")).all()
        engine.dispose()
        assert {r[0]: bytes(r[3]) for r in rows} == contents
        assert all(r[1] == r[2] == hashlib.sha256(r[3]).hexdigest() and r[5] == "document" for r in rows)
        assert sorted(r[4] for r in rows) == ["RS-500-2026-0001-yttrande-v1.pdf", "RS-501-2026-0001-yttrande-v1.pdf"]
        assert "file_path" not in _columns(url, "document_record")

        command.downgrade(alembic_config(url, instance_path=instance), "0001_initial")
        engine = make_engine(url)
        with engine.connect() as conn:
            paths = dict(conn.execute(text("select id, file_path from document_record")).all())
        engine.dispose()
        assert {i: (folder / p).read_bytes() for i, p in paths.items()} == contents
