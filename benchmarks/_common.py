"""Shared set-up for the benchmarks: throw-away databases on SQLite and PostgreSQL."""
from __future__ import annotations

import contextlib
import os
import tempfile
import uuid

from sqlalchemy import create_engine, text

from kfflow.models import Base

PG_ADMIN_URL = os.environ.get("KFFLOW_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


@contextlib.contextmanager
def sqlite_database():
    with tempfile.TemporaryDirectory(prefix="kfbench.") as folder:
        url = f"sqlite:///{folder}/bench.sqlite"
        engine = create_engine(url)
        Base.metadata.create_all(engine)
        engine.dispose()
        yield url


@contextlib.contextmanager
def postgres_database():
    admin = create_engine(PG_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    name = f"kfflow_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    Base.metadata.create_all(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


DATABASES = {"sqlite": sqlite_database, "postgresql": postgres_database}
