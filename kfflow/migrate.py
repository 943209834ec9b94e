"""Run Alembic from code: `kfflow db upgrade`, and the drift test."""
from __future__ import annotations

from alembic import command
from alembic.config import Config

from kfflow.config import PROJECT_ROOT


def alembic_config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def current_heads(database_url: str) -> list[str]:
    from alembic.script import ScriptDirectory

    return list(ScriptDirectory.from_config(alembic_config(database_url)).get_heads())


def include_name(name, type_, parent_names) -> bool:
    """What Alembic compares: kfflow's own tables, not procrastinate's queue (its schema is its own)."""
    return not (type_ == "table" and name and name.startswith("procrastinate_"))
