"""Settings from the environment; nothing secret is ever written in the code."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    instance_path: Path
    database_url: str
    workflows_path: Path
    secret_key: str | None = None
    # Where jobs run: "embedded" (in the web process, from memory) or "worker" (procrastinate on PostgreSQL,
    # run by `kfflow worker`). Unset: embedded on SQLite, worker on PostgreSQL.
    jobs: str | None = None
    jobs_per_user: int = 2       # heavy jobs one user may have waiting at once
    # Where the reminder sweep runs: "embedded" (inside the served app, one process holds the lock) or
    # "separate" (`kfflow scheduler`). Unset: embedded on SQLite, separate on PostgreSQL.
    scheduler: str | None = None

    @classmethod
    def from_env(cls, env: os._Environ | dict | None = None) -> "Settings":
        env = os.environ if env is None else env
        instance = Path(env.get("KFFLOW_INSTANCE") or PROJECT_ROOT / "instance").resolve()
        url = env.get("KFFLOW_DATABASE_URL") or f"sqlite:///{instance / 'kfflow.sqlite'}"
        workflows = Path(env.get("KFFLOW_WORKFLOWS") or PROJECT_ROOT / "workflows").resolve()
        return cls(instance_path=instance, database_url=url, workflows_path=workflows,
                   secret_key=env.get("KFFLOW_SECRET_KEY") or None, jobs=env.get("KFFLOW_JOBS") or None,
                   jobs_per_user=int(env.get("KFFLOW_JOBS_PER_USER") or 2),
                   scheduler=env.get("KFFLOW_SCHEDULER") or None)

    @property
    def embedded_default(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def jobs_mode(self) -> str:
        return self.jobs or ("embedded" if self.embedded_default else "worker")

    @property
    def scheduler_mode(self) -> str:
        return self.scheduler or ("embedded" if self.embedded_default else "separate")

    def ensure_instance(self) -> Path:
        self.instance_path.mkdir(parents=True, exist_ok=True)
        return self.instance_path

    def resolve_secret_key(self) -> str:
        """The configured key, else one generated once into the instance folder (mode 0600)."""
        if self.secret_key:
            return self.secret_key
        key_file = self.ensure_instance() / "secret_key"
        if key_file.exists():
            return key_file.read_text().strip()
        key = secrets.token_urlsafe(48)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(key)
        return key
