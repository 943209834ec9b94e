"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""
import uuid

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from kfflow.db import make_engine
from kfflow.migrate import current_heads, upgrade
from kfflow.models import Base

from tests.conftest import PG_ADMIN_URL


def _assert_no_drift(url: str) -> None:
    upgrade(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"


def test_one_head():
    assert len(current_heads("sqlite://")) == 1


def test_sqlite_migrations_match_models(tmp_path):
    _assert_no_drift(f"sqlite:///{tmp_path / 'm.sqlite'}")


def test_postgresql_migrations_match_models(pg_database_url):
    name = f"kfflow_mig_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        _assert_no_drift(PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
