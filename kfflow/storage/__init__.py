"""Keep bytes (documents, uploads, reports) where every node sees them, in the caller's transaction.

`store_bytes` adds a `StoredFile` and flushes; it never commits: the caller's service commits it together
with the row that refers to it (a register row, a job's result), or rolls both back. `read_bytes` returns
the bytes only if they still hash to what was recorded. See docs/architecture.md ("Stored files").
"""
from __future__ import annotations

import hashlib
import io
from datetime import datetime, timedelta
from typing import BinaryIO

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kfflow.db import utcnow, write_transaction
from kfflow.errors import KfflowError, NotFound
from kfflow.models import StoredFile
from kfflow.storage.backends import BlobStore, DatabaseBlobStore, configured_store, store_named

__all__ = ["BlobStore", "DatabaseBlobStore", "StoredFile", "StoredFileCorrupt", "delete_expired",
           "delete_stored", "get_stored", "open_stored", "read_bytes", "store_bytes", "sweep_orphans", "sweep_stored_files"]

# Longer than any transaction that put bytes could still be open: younger unreferenced objects are left alone.
ORPHAN_GRACE = timedelta(hours=1)


class StoredFileCorrupt(KfflowError):
    """The stored bytes no longer match the hash recorded for them."""
    code = "corrupt"


def store_bytes(session: Session, content: bytes, *, filename: str, media_type: str, purpose: str,
                created_by=None, expires_at: datetime | None = None, now: datetime | None = None) -> StoredFile:
    """Add `content` as a new stored file in the caller's transaction (flushed, not committed)."""
    store = configured_store(session)
    stored = StoredFile(purpose=purpose, filename=filename[:255], media_type=media_type, size=len(content),
                        sha256=hashlib.sha256(content).hexdigest(), backend=store.name,
                        created_by_id=getattr(created_by, "id", created_by), created_at=now or utcnow(),
                        expires_at=expires_at)
    store.put(session, stored, content)
    session.add(stored)
    session.flush()
    return stored


def get_stored(session: Session, stored_id: int, *, purpose: str | None = None) -> StoredFile:
    """The stored file's row (without its bytes); NotFound if absent or of another purpose."""
    stored = session.get(StoredFile, stored_id)
    if stored is None or (purpose is not None and stored.purpose != purpose):
        raise NotFound("Filen finns inte.")
    return stored


def read_bytes(session: Session, stored: StoredFile | int, *, expected_sha256: str | None = None) -> bytes:
    """The bytes of a stored file, checked against its recorded hash (and `expected_sha256` if given)."""
    if not isinstance(stored, StoredFile):
        stored = get_stored(session, stored)
    content = store_named(session, stored.backend).get(session, stored)
    digest = hashlib.sha256(content).hexdigest() if content is not None else None
    if digest != stored.sha256 or (expected_sha256 is not None and digest != expected_sha256):
        raise StoredFileCorrupt(f"Den lagrade filen {stored.filename} (nr {stored.id}) stämmer inte med "
                                "den kontrollsumma som registrerades för den.")
    return content


def open_stored(session: Session, stored: StoredFile | int) -> BinaryIO:
    """The checked bytes as a file object (for send_file, openpyxl, zipfile)."""
    return io.BytesIO(read_bytes(session, stored))


def delete_stored(session: Session, stored: StoredFile) -> None:
    """Delete a transient file in the caller's transaction (a registered document's row refuses).
    An object store's bytes go later, with `sweep_orphans`: the transaction may still roll back."""
    session.delete(stored)
    session.flush()


def delete_expired(session: Session, *, now: datetime | None = None) -> int:
    """Delete the transient files whose time is up, in the caller's transaction; returns how many."""
    now = now or utcnow()
    return session.execute(delete(StoredFile).where(StoredFile.expires_at < now)).rowcount


def sweep_orphans(session: Session, *, now: datetime | None = None) -> int:
    """Remove an object store's bytes that no row refers to any more (nothing to do for the database)."""
    return configured_store(session).sweep_orphans(session, before=(now or utcnow()) - ORPHAN_GRACE)


def sweep_stored_files(session: Session, *, now: datetime | None = None) -> tuple[int, int]:
    """The operator's periodic clean-up (`kfflow documents sweep`): expired transient files, then orphaned
    bytes in an object store. Returns (files deleted, orphans removed)."""
    now = now or utcnow()
    with write_transaction(session):
        expired = delete_expired(session, now=now)
    return expired, sweep_orphans(session, now=now)
