"""Service accounts: integrations (an HR system, a reporting tool) that use the API under a role of their own.

An admin (the `administer` action of roles.yaml) creates one with a name and a role, gives it tokens and
revokes them. It has no password and cannot sign in interactively (kfflow.services.users.authenticate,
kfflow.services.auth_sessions.signed_in). Deactivating it (kfflow.services.users.set_active) ends its tokens,
and a token is checked against its account on every request, so they stop at the next one.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kfflow.db import utcnow, write_transaction
from kfflow.errors import GuardFailed, NotFound
from kfflow.models import User
from kfflow.services._common import load_actor
from kfflow.services.access import require
from kfflow.services.api_keys import ApiKey, NewApiKey, create_key_in_transaction, live_keys, revoke_key_in_transaction
from kfflow.services.users import create_user, set_active

log = logging.getLogger(__name__)

DENIED = "Din roll får inte hantera tjänstekonton."


@dataclass(frozen=True)
class ServiceAccount:
    account: User
    keys: list[ApiKey]


def _admin(session: Session, actor: User) -> User:
    admin = load_actor(session, actor)
    require(admin, "administer", denied=DENIED)
    return admin


def _account(session: Session, account_id: int) -> User:
    account = session.get(User, account_id, populate_existing=True)
    if account is None or not account.service_account:
        raise NotFound("Tjänstekontot finns inte.")
    return account


def service_accounts(session: Session, actor: User) -> list[User]:
    _admin(session, actor)
    return list(session.scalars(select(User).where(User.service_account.is_(True)).order_by(User.username)))


def service_account(session: Session, actor: User, account_id: int, *, now: datetime | None = None) -> ServiceAccount:
    _admin(session, actor)
    account = _account(session, account_id)
    return ServiceAccount(account, live_keys(session, account.id, now=now))


def create_service_account(session: Session, actor: User, *, username: str, role: str,
                           display_name: str | None = None) -> User:
    """A new service account: the same checks of username, name and role as a person's account, no password."""
    account = create_user(session, actor, username=username, role=role, display_name=display_name,
                          service_account=True)
    log.info("service account %s (%s) created by user %d", account.username, account.role, actor.id)
    return account


def set_service_account_active(session: Session, actor: User, account_id: int, active: bool) -> User:
    """(De)activate a service account: either way its tokens end (kfflow.services.users.set_active)."""
    _admin(session, actor)
    _account(session, account_id)
    account = set_active(session, actor, account_id, active)
    log.info("service account %s %s by user %d", account.username, "activated" if active else "deactivated",
             actor.id)
    return account


def create_service_key(session: Session, actor: User, account_id: int, name, expires, *, max_days: int,
                       now: datetime | None = None) -> NewApiKey:
    now = now or utcnow()
    with write_transaction(session):
        admin = _admin(session, actor)
        account = _account(session, account_id)
        if not account.active:
            raise GuardFailed("Tjänstekontot är inaktiverat. Aktivera det först.")
        made = create_key_in_transaction(session, account, name, expires, max_days=max_days, now=now, actor=admin)
    log.info("API key %d (%r) of service account %s made by user %d", made.key.id, made.key.name,
             account.username, admin.id)
    return made


def revoke_service_key(session: Session, actor: User, account_id: int, token_id: int, *,
                       now: datetime | None = None) -> None:
    with write_transaction(session):
        admin = _admin(session, actor)
        account = _account(session, account_id)
        revoke_key_in_transaction(session, account.id, token_id, now=now or utcnow(), actor=admin)
    log.info("API key %d of service account %s revoked by user %d", token_id, account.username, admin.id)
