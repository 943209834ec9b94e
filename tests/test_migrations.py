"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from kfflow.db import make_engine
from kfflow.migrate import current_heads, include_name, upgrade
from kfflow.models import Base

from tests.deploy_support import fresh_pg_database


def _assert_no_drift(url: str) -> None:
    upgrade(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True, "include_name": include_name}), Base.metadata)
    engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"


def test_one_head():
    assert len(current_heads("sqlite://")) == 1


def test_sqlite_migrations_match_models(tmp_path):
    _assert_no_drift(f"sqlite:///{tmp_path / 'm.sqlite'}")


def test_postgresql_migrations_match_models(pg_database_url):
    with fresh_pg_database("kfflow_mig") as url:
        _assert_no_drift(url)


def _versions() -> list:
    from kfflow.migrate import alembic_config
    from alembic.script import ScriptDirectory

    return list(ScriptDirectory.from_config(alembic_config("sqlite://")).walk_revisions())


def test_headers_and_file_names_match_the_chain():
    """A DBA reads the file: its name, its `Revision ID:` and `Revises:` say what Alembic will do."""
    import re
    from pathlib import Path

    scripts = sorted(_versions(), key=lambda s: s.revision)
    for number, script in enumerate(scripts, start=1):
        path = Path(script.path)
        doc = path.read_text(encoding="utf-8")
        assert path.stem == script.revision, f"{path.name}: file name and revision differ"
        assert script.revision.startswith(f"{number:04d}_"), f"{path.name}: not numbered consecutively"
        assert re.search(rf"^Revision ID: {re.escape(script.revision)}$", doc, re.M), path.name
        revises = re.search(r"^Revises: ?(.*)$", doc, re.M).group(1).strip()
        assert revises == (script.down_revision or ""), f"{path.name}: header says {revises!r}"
        expected_parent = scripts[number - 2].revision if number > 1 else None
        assert script.down_revision == expected_parent, f"{path.name}: does not follow {expected_parent}"


def _round_trip(url: str) -> None:
    from alembic import command
    from kfflow.migrate import alembic_config

    cfg = alembic_config(url)
    command.upgrade(cfg, "head")
    command.downgrade(cfg, "base")
    engine = make_engine(url)
    with engine.connect() as conn:
        left = {row[0] for row in conn.execute(text(
            "select name from sqlite_master where type='table'" if url.startswith("sqlite")
            else "select tablename from pg_tables where schemaname='public'"))}
    engine.dispose()
    assert left <= {"alembic_version"}, f"downgrade left tables behind: {left}"
    _assert_no_drift(url)


def test_sqlite_upgrade_downgrade_upgrade(tmp_path):
    _round_trip(f"sqlite:///{tmp_path / 'r.sqlite'}")


def test_postgresql_upgrade_downgrade_upgrade(pg_database_url):
    with fresh_pg_database("kfflow_rt") as url:
        _round_trip(url)
