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
    # How many reverse proxies in front of kfflow append to X-Forwarded-For (and set -Proto, -Host).
    # 0 (the default) trusts no header: the client is the address that connected.
    trusted_proxies: int = 0
    # A calendar feed URL works this many days after it was made or renewed.
    calendar_feed_days: int = 365

    @classmethod
    def from_env(cls, env: os._Environ | dict | None = None) -> "Settings":
        env = os.environ if env is None else env
        instance = Path(env.get("KFFLOW_INSTANCE") or PROJECT_ROOT / "instance").resolve()
        url = env.get("KFFLOW_DATABASE_URL") or f"sqlite:///{instance / 'kfflow.sqlite'}"
        workflows = Path(env.get("KFFLOW_WORKFLOWS") or PROJECT_ROOT / "workflows").resolve()
        return cls(instance_path=instance, database_url=url, workflows_path=workflows,
                   secret_key=env.get("KFFLOW_SECRET_KEY") or None,
                   trusted_proxies=_whole_number(env, "KFFLOW_TRUSTED_PROXIES", 0, minimum=0),
                   calendar_feed_days=_whole_number(env, "KFFLOW_CALENDAR_FEED_DAYS", 365, minimum=1))

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


def _whole_number(env, name: str, default: int, *, minimum: int) -> int:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < minimum:
        raise ValueError(f"{name} must be a whole number of at least {minimum}, not {raw!r}")
    return int(raw)
