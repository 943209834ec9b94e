"""What KFFLOW_ENV=production refuses to start with: each problem named in English, all at once."""
from __future__ import annotations

import logging

from sqlalchemy import select

from kfflow.config import Settings
from kfflow.database import Database

log = logging.getLogger("kfflow.production")


class ProductionConfigError(RuntimeError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("refusing to start in production: " + "; ".join(problems))


def demo_accounts_present(db: Database) -> list[str]:
    """Active demo users that still sign in with the password the demo prints for everyone."""
    from kfflow.models import User
    from kfflow.security import verify_password
    from kfflow.services.demo import demo_password
    from kfflow.services.demo_data import DEMO_USERS

    names = [username for username, *_ in DEMO_USERS]
    with db.session() as session:
        rows = session.execute(select(User.username, User.password_hash)
                               .where(User.username.in_(names), User.active.is_(True))).all()
    return sorted(name for name, password_hash in rows
                  if password_hash and verify_password(password_hash, demo_password(name)))


def production_problems(settings: Settings, db: Database) -> list[str]:
    if not settings.production:
        return []
    problems = []
    if settings.secret_key is None:
        problems.append("KFFLOW_SECRET_KEY is not set (each node would generate its own key and sessions "
                        "would break across nodes)")
    if settings.cookie_secure is not True:
        problems.append(f"KFFLOW_COOKIE_SECURE is {settings.cookie_secure!r}, not 1 (session cookies must only "
                        "travel over HTTPS)")
    try:
        demo = demo_accounts_present(db)
    except Exception as exc:  # noqa: BLE001 - an unreachable database is reported, not hidden
        problems.append(f"cannot check for demo accounts: {exc.__class__.__name__}")
    else:
        if demo:
            problems.append(f"demo accounts with their published passwords are present: {', '.join(demo)} "
                            "(deactivate them or change their passwords)")
    return problems


def check_production(settings: Settings, db: Database) -> None:
    """Log every problem and raise ProductionConfigError when there is one."""
    problems = production_problems(settings, db)
    for problem in problems:
        log.critical("refusing to start in production: %s", problem)
    if problems:
        raise ProductionConfigError(problems)
