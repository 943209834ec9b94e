"""Bearer tokens for the JSON API: issued for a username and password, stored only as hashes, revocable.

A token is checked on every request against its expiry, its revocation and its user's `active` flag,
so deactivating a user ends their API access at once.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kfflow.db import utcnow, write_transaction
from kfflow.errors import NotAuthenticated, TooManyAttempts
from kfflow.models import ApiToken, TokenRequestFailure, User
from kfflow.security import new_secret_token, secret_hash
from kfflow.services.users import authenticate

log = logging.getLogger(__name__)

DEFAULT_LIFETIME = timedelta(hours=12)
MAX_FAILURES = 5                       # failed requests for one username within the window ...
FAILURE_WINDOW = timedelta(minutes=15)  # ... after which further requests are refused until it passes


@dataclass(frozen=True)
class IssuedToken:
    token: str          # shown to the client once; only its hash is kept
    expires: datetime
    user: User



def _recent_failures(session: Session, username: str, now: datetime) -> list[datetime]:
    return list(session.scalars(select(TokenRequestFailure.at).where(
        TokenRequestFailure.username == username, TokenRequestFailure.at > now - FAILURE_WINDOW)
        .order_by(TokenRequestFailure.at)))


def issue_token(session: Session, username: str, password: str, *, now: datetime | None = None,
                lifetime: timedelta = DEFAULT_LIFETIME, source: str = "?") -> IssuedToken:
    """A new token for an active user with this password; NotAuthenticated or TooManyAttempts otherwise."""
    now = now or utcnow()
    username = (username or "").strip().lower()[:80]
    failures = _recent_failures(session, username, now)
    session.rollback()  # end the read before a possible write transaction
    if len(failures) >= MAX_FAILURES:
        retry_after = int((failures[-MAX_FAILURES] + FAILURE_WINDOW - now).total_seconds()) + 1
        log.warning("API token request for %r from %s refused: throttled after %d failures",
                    username, source, len(failures))
        raise TooManyAttempts("För många misslyckade försök. Vänta en stund och försök igen.",
                              retry_after=max(retry_after, 1))
    user = authenticate(session, username, password)
    if user is None:
        with write_transaction(session):
            session.add(TokenRequestFailure(username=username, at=now))
            # Old failures no longer count; keep the table small.
            session.execute(delete(TokenRequestFailure).where(TokenRequestFailure.at < now - FAILURE_WINDOW))
        log.warning("API token request for %r from %s failed: wrong username or password, or inactive user",
                    username, source)
        raise NotAuthenticated("Fel användarnamn eller lösenord.")
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

