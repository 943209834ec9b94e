"""Where the bytes of a stored file live. The row (hash, size, name, who, when) is always in the database.

`DatabaseBlobStore` keeps the bytes in the row itself, so they commit or roll back with it: the default.
`S3BlobStore` (`kfflow.storage.s3`) keeps them in an S3-compatible bucket under a key named by the SHA-256:
`put` runs before the row is flushed, so a row never lacks its object; an object whose row never committed
(a rollback, a kill) or whose rows were all deleted is an orphan that `sweep_orphans` removes once it is older
than any transaction could still be open. Objects are never deleted inside a transaction that could roll back.

A process picks its store once (`Database.from_settings`, from `KFFLOW_STORAGE_URL`); sessions carry it in
`session.info["blob_store"]`. Rows name the backend that holds their bytes, so switching the default later
leaves earlier files readable as long as that store stays configured.
"""
from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from kfflow.models import StoredFile


class BlobStore(Protocol):
    name: str

    def put(self, session: Session, stored: StoredFile, content: bytes) -> None:
        """Keep `content` for the not yet flushed row `stored`."""

    def get(self, session: Session, stored: StoredFile) -> bytes | None:
        """The bytes kept for `stored`, or None when there are none."""

    def sweep_orphans(self, session: Session, *, before: datetime) -> int:
        """Remove bytes no row refers to that were put before `before`; returns how many."""


class DatabaseBlobStore:
    """The bytes in the `stored_file` row: atomic with the register, one backup, every node sees them."""
    name = "database"

    def put(self, session: Session, stored: StoredFile, content: bytes) -> None:
        stored.content = content

    def get(self, session: Session, stored: StoredFile) -> bytes | None:
        return session.scalar(select(StoredFile.content).where(StoredFile.id == stored.id))

    def sweep_orphans(self, session: Session, *, before: datetime) -> int:
        return 0  # bytes go with their row


DATABASE = DatabaseBlobStore()


def configured_store(session: Session) -> BlobStore:
    """The store this process writes new files to."""
    return session.info.get("blob_store") or DATABASE


def store_named(session: Session, name: str) -> BlobStore:
    """The store holding a row's bytes; a backend this process is not configured for is a server error."""
    for store in (DATABASE, configured_store(session)):
        if store.name == name:
            return store
    raise RuntimeError(f"stored file backend {name!r} is not configured in this process (KFFLOW_STORAGE_URL)")
