"""Run Alembic from code: `kfflow db upgrade`, and the drift test."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from kfflow.config import PROJECT_ROOT


def alembic_config(database_url: str, *, instance_path: Path | None = None) -> Config:
    """`instance_path`: where a migration finds files it moves into the database (0002: documents)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    if instance_path is not None:
        cfg.attributes["instance_path"] = Path(instance_path)
    return cfg


def upgrade(database_url: str, revision: str = "head", *, instance_path: Path | None = None) -> None:
    command.upgrade(alembic_config(database_url, instance_path=instance_path), revision)


def current_heads(database_url: str) -> list[str]:
    from alembic.script import ScriptDirectory

    return list(ScriptDirectory.from_config(alembic_config(database_url)).get_heads())


def include_name(name, type_, parent_names) -> bool:
    """What Alembic compares: kfflow's own tables, not procrastinate's queue (its schema is its own)."""
    return not (type_ == "table" and name and name.startswith("procrastinate_"))
