"""Where the bytes of a stored file live. The row (hash, size, name, who, when) is always in the database.

`DatabaseBlobStore` keeps the bytes in the row itself, so they commit or roll back with it. An object store
(S3-compatible) would implement the same three methods: `put` before the row is flushed, under a key named by
the SHA-256 (idempotent, so a retry rewrites the same object; an object whose row never committed is an
orphan a sweep removes), `get`, and `discard` once no row with that hash remains.
"""
from __future__ import annotations

from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from kfflow.models import StoredFile


class BlobStore(Protocol):
    name: str

    def put(self, session: Session, stored: StoredFile, content: bytes) -> None:
        """Keep `content` for the not yet flushed row `stored`."""

    def get(self, session: Session, stored: StoredFile) -> bytes | None: ...

    def discard(self, session: Session, stored: StoredFile) -> None: ...


class DatabaseBlobStore:
    """The bytes in the `stored_file` row: atomic with the register, one backup, every node sees them."""
    name = "database"

    def put(self, session: Session, stored: StoredFile, content: bytes) -> None:
        stored.content = content

    def get(self, session: Session, stored: StoredFile) -> bytes | None:
        return session.scalar(select(StoredFile.content).where(StoredFile.id == stored.id))

    def discard(self, session: Session, stored: StoredFile) -> None:
        """Deleting the row deletes the bytes."""


STORES: dict[str, BlobStore] = {DatabaseBlobStore.name: DatabaseBlobStore()}
DEFAULT_STORE = DatabaseBlobStore.name
