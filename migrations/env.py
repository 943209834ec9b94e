"""Alembic environment: the URL comes from kfflow's settings (or the caller's Config), never from a file."""
from __future__ import annotations

from alembic import context
from sqlalchemy import pool

from kfflow.db import make_engine
from kfflow.migrate import include_name
from kfflow.models import Base

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        from kfflow.config import Settings

        url = Settings.from_env().database_url
    return url


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url(), poolclass=pool.NullPool)
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            _run_without_sqlite_foreign_keys(conn)
        else:
            _run(conn)
    engine.dispose()


def _run_without_sqlite_foreign_keys(conn) -> None:
    """Batch migrations on SQLite copy a table, drop it and rename the copy; with foreign keys enforced, dropping
    a table other rows refer to fails (or cascades). So they are off while migrating, as Alembic's documentation
    advises, and checked once at the end: a migration that left a dangling reference fails the upgrade."""
    raw = conn.connection.dbapi_connection  # outside SQLAlchemy's transaction: the pragma is a no-op inside one
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        _run(conn, check_foreign_keys=True)
    finally:
        raw.execute("PRAGMA foreign_keys=ON")


def _run(connection, *, check_foreign_keys: bool = False) -> None:
    # render_as_batch lets ALTERs work on SQLite too.
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True,
                      include_name=include_name,
                      compare_type=True)
    with context.begin_transaction():
        context.run_migrations()
        if check_foreign_keys:  # before the commit: a dangling reference rolls the upgrade back
            dangling = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if dangling:
                raise RuntimeError(f"the migration left rows referring to missing rows: {dangling[:5]}")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
