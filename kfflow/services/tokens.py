"""Bearer tokens for the JSON API: issued for a username and password, stored only as hashes, revocable.

A token is checked on every request against its expiry, its revocation and its user's `active` flag,
so deactivating a user ends their API access at once.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kfflow.db import utcnow, write_transaction
from kfflow.errors import NotAuthenticated, PermissionDenied
from kfflow.models import ApiToken, User
from kfflow.security import new_secret_token, secret_hash
from kfflow.services.throttle import check_password

log = logging.getLogger(__name__)

DEFAULT_LIFETIME = timedelta(hours=12)


@dataclass(frozen=True)
class IssuedToken:
    token: str          # shown to the client once; only its hash is kept
    expires: datetime
    user: User



def issue_token(session: Session, username: str, password: str, *, now: datetime | None = None,
                lifetime: timedelta = DEFAULT_LIFETIME, source: str = "?") -> IssuedToken:
    """A new token for an active user with this password; NotAuthenticated or TooManyAttempts otherwise.

    The same throttle as web sign-in (kfflow.services.throttle): one count per account and address."""
    user = check_password(session, username, password, source, "api", now=now)
    if user is None:
        raise NotAuthenticated("Fel användarnamn eller lösenord.")
    if user.must_change_password:
        raise PermissionDenied("Lösenordet är ett engångslösenord. Logga in på webben och välj ett eget först.")
    issued = grant_token(session, user, now=now, lifetime=lifetime)
    log.info("API token issued to %s from %s", user.username, source)
    return issued


def grant_token(session: Session, user: User, *, now: datetime | None = None,
                lifetime: timedelta = DEFAULT_LIFETIME) -> IssuedToken:
    """A new token for a user whose identity the caller has already established."""
    now = now or utcnow()
    token = new_secret_token()
    with write_transaction(session):
        row = ApiToken(user_id=user.id, token_hash=secret_hash(token), created_at=now, expires_at=now + lifetime)
        session.add(row)
    return IssuedToken(token=token, expires=row.expires_at, user=user)


def user_for_api_token(session: Session, token: str, *, now: datetime | None = None) -> User | None:
    """The active user a valid, unexpired, unrevoked token belongs to; one query."""
    if not token:
        return None
    now = now or utcnow()
    return session.scalars(
        select(User).join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == secret_hash(token), ApiToken.revoked_at.is_(None),
               ApiToken.expires_at > now, User.active.is_(True))).first()


def revoke_token(session: Session, token: str, *, now: datetime | None = None) -> bool:
    """Revoke this token; True when it was valid until now."""
    now = now or utcnow()
    with write_transaction(session):
        row = session.scalars(select(ApiToken).where(ApiToken.token_hash == secret_hash(token),
                                                     ApiToken.revoked_at.is_(None))).first()
        if row is None:
            return False
        row.revoked_at = now
    log.info("API token %d of user %d revoked", row.id, row.user_id)
    return True

