"""Engine and sessions: SQLite pragmas, write transactions, the constraint naming convention."""
from __future__ import annotations

import contextlib
import errno
import logging
from collections.abc import Iterator
from datetime import datetime, timezone

from sqlalchemy import JSON, Date, DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator

log = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Write transactions ask for this option; on SQLite it turns BEGIN into BEGIN IMMEDIATE.
WRITE_OPTION = "kfflow_write"
SQLITE_BUSY_TIMEOUT_MS = 15000


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


JSONData = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in Python; naive UTC in SQLite, timestamptz in PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where UTC is required")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class add_days(FunctionElement):
    """`day + n days` in SQL (n may be negative), a date on both databases: PostgreSQL adds an integer to a date;
    SQLite keeps dates as ISO text and moves them with date(d, 'n days')."""

    type = Date()
    inherit_cache = True
    name = "add_days"


@compiles(add_days)
def _add_days_postgresql(element, compiler, **kw):
    day, days = element.clauses
    return f"(CAST({compiler.process(day, **kw)} AS DATE) + {compiler.process(days, **kw)})"


@compiles(add_days, "sqlite")
def _add_days_sqlite(element, compiler, **kw):
    day, days = element.clauses
    return f"date({compiler.process(day, **kw)}, ({compiler.process(days, **kw)}) || ' days')"


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy emit BEGIN itself, so that write transactions can be IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # Deferred write transactions fail with "database is locked" under concurrent writers:
        # a reader cannot upgrade its snapshot. Writers take the lock up front and wait for it.
        if conn.get_execution_options().get(WRITE_OPTION):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


def make_engine(url: str, **kwargs) -> Engine:
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {}).setdefault("timeout", SQLITE_BUSY_TIMEOUT_MS / 1000)
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def make_session_factory(engine: Engine, *, info: dict | None = None) -> sessionmaker[Session]:
    """`info`: what every session of this process carries (the blob store for stored files)."""
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True, info=info)


@contextlib.contextmanager
def write_transaction(session: Session) -> Iterator[Session]:
    """The one transaction of a service: begin as a writer, commit once, roll back everything on error.

    A read transaction the caller left open is ended first: on SQLite a deferred reader cannot be
    upgraded to a writer safely, and no caller may hold unflushed changes (services are the only
    way state changes).
    """
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("session holds changes made outside a service")
    if session.in_transaction():
        session.rollback()
    try:
        session.connection(execution_options={WRITE_OPTION: True})
        yield session
        session.commit()
    except BaseException as exc:
        session.rollback()
        if refuses_writes(exc):
            from kfflow.errors import StorageUnavailable

            log.error("write refused by storage, nothing saved: %s", exc)
            raise StorageUnavailable() from exc
        raise


# SQLite result codes (low byte) and PostgreSQL SQLSTATEs meaning "cannot write here now", not "bad data".
# SQLITE_CANTOPEN: a WAL database on a read-only mount cannot even be opened (it needs its -shm file).
_SQLITE_REFUSALS = {8: "SQLITE_READONLY", 10: "SQLITE_IOERR", 13: "SQLITE_FULL", 14: "SQLITE_CANTOPEN"}
_PG_REFUSALS = {"25006": "read_only_sql_transaction", "53100": "disk_full", "53000": "insufficient_resources",
                "58030": "io_error"}
_OS_REFUSALS = {errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EFBIG}


def refuses_writes(exc: BaseException) -> bool:
    """Whether `exc` says the database or disk is full or read-only (a full disk, a standby, a read-only mount)."""
    if isinstance(exc, OSError) and not isinstance(exc, ConnectionError):
        return exc.errno in _OS_REFUSALS
    if not isinstance(exc, DBAPIError):
        return False
    orig = exc.orig
    code = getattr(orig, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in _SQLITE_REFUSALS
    return getattr(orig, "sqlstate", None) in _PG_REFUSALS
