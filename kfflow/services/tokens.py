"""Bearer tokens for the JSON API: issued for a username and password (or named, kfflow.services.api_keys),
stored only as hashes, revocable.

A token is checked on every request against its expiry, its revocation and its user's `active` flag,
so deactivating a user ends their API access at once.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kfflow.db import utcnow, write_transaction
from kfflow.errors import NotAuthenticated, PermissionDenied
from kfflow.models import ApiToken, User
from kfflow.security import new_secret_token, secret_hash
from kfflow.services.credentials import PasswordDoor, check_password_at_door

log = logging.getLogger(__name__)

DEFAULT_LIFETIME = timedelta(hours=12)
# last_used_at is written at most this often, so reading over the API does not become writing.
TOUCH_INTERVAL = timedelta(minutes=5)


@dataclass(frozen=True)
class IssuedToken:
    token: str          # shown to the client once; only its hash is kept
    expires: datetime
    user: User



def issue_token(session: Session, username: str, password: str, *, now: datetime | None = None,
                lifetime: timedelta = DEFAULT_LIFETIME, source: str = "?",
                door: PasswordDoor = PasswordDoor()) -> IssuedToken:
    """A new token for an active user with this password; NotAuthenticated, TooManyAttempts or (the door is
    closed to this account) PasswordSignInOff otherwise.

    The same throttle and door as web sign-in (kfflow.services.credentials): one count per account and address."""
    user = check_password_at_door(session, door, username, password, source, "api", now=now)
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
    with write_transaction(session):
        token, row = new_token_row(session, user.id, now=now, expires_at=now + lifetime)
    return IssuedToken(token=token, expires=row.expires_at, user=user)


def new_token_row(session: Session, user_id: int, *, now: datetime, expires_at: datetime,
                  name: str | None = None) -> tuple[str, ApiToken]:
    """Inside the caller's transaction: a new token and its row, which holds only the token's hash."""
    token = new_secret_token()
    row = ApiToken(user_id=user_id, token_hash=secret_hash(token), created_at=now, expires_at=expires_at, name=name)
    session.add(row)
    session.flush()
    return token, row


def user_for_api_token(session: Session, token: str, *, now: datetime | None = None) -> User | None:
    """The active user a valid, unexpired, unrevoked token belongs to; one query (and, every few minutes,
    one update of when the token was last used)."""
    if not token:
        return None
    now = now or utcnow()
    row = session.execute(
        select(User, ApiToken.id, ApiToken.last_used_at).join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == secret_hash(token), ApiToken.revoked_at.is_(None),
               ApiToken.expires_at > now, User.active.is_(True))).first()
    if row is None:
        return None
    user, token_id, last_used = row
    if last_used is None or last_used < now - TOUCH_INTERVAL:
        with write_transaction(session):
            session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
    return user


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

