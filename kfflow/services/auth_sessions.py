"""Web sign-in sessions kept on the server, and the login throttle.

The browser holds a random token; the database holds only its SHA-256. A session ends at once when
it is revoked (logout), when its user is deactivated, or after a long idle time. Failed sign-ins are
stored in the database so the throttle holds across every server process.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from kfflow.db import utcnow, write_transaction
from kfflow.models import LoginFailure, LoginSession, Notification, User
from kfflow.security import new_secret_token, secret_hash
from kfflow.services.users import authenticate

log = logging.getLogger(__name__)

IDLE_TIMEOUT = timedelta(hours=8)
# last_seen is written at most this often, so reading pages does not become writing.
TOUCH_INTERVAL = timedelta(minutes=5)
THROTTLE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_USERNAME = 5
# Higher: a whole office may share one address behind NAT.
MAX_FAILURES_PER_ADDRESS = 20



@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in attempt: a user and a fresh token, or why not."""
    user: User | None = None
    token: str | None = None
    throttled: bool = False


def is_throttled(session: Session, username: str, address: str, *, now: datetime | None = None) -> bool:
    since = (now or utcnow()) - THROTTLE_WINDOW
    by_name = session.scalar(select(func.count(LoginFailure.id)).where(
        LoginFailure.username == _norm(username), LoginFailure.at > since))
    by_address = session.scalar(select(func.count(LoginFailure.id)).where(
        LoginFailure.address == address, LoginFailure.at > since))
    return by_name >= MAX_FAILURES_PER_USERNAME or by_address >= MAX_FAILURES_PER_ADDRESS


def _norm(username: str) -> str:
    return (username or "").strip().lower()[:80]


def sign_in(session: Session, username: str, password: str, address: str, *,
            now: datetime | None = None) -> SignIn:
    """Check the throttle, then the password; on success start a new server-side session."""
    now = now or utcnow()
    address = (address or "unknown")[:64]
    if is_throttled(session, username, address, now=now):
        log.warning("login throttled for username=%r from %s", _norm(username), address)
        return SignIn(throttled=True)
    user = authenticate(session, username, password)
    with write_transaction(session):
        if user is None:
            session.add(LoginFailure(username=_norm(username), address=address, at=now))
            # Old failures are of no further use; keep the table small.
            session.execute(delete(LoginFailure).where(LoginFailure.at < now - THROTTLE_WINDOW * 4))
        else:
            session.execute(delete(LoginFailure).where(LoginFailure.username == _norm(username)))
    if user is None:
        log.warning("login failed for username=%r from %s", _norm(username), address)
        return SignIn()
    token = start_session(session, user, now=now)
    log.info("login succeeded for %s from %s", user.username, address)
    return SignIn(user=user, token=token)


def start_session(session: Session, user: User, *, now: datetime | None = None) -> str:
    now = now or utcnow()
    token = new_secret_token()
    with write_transaction(session):
        session.add(LoginSession(token_hash=secret_hash(token), user_id=user.id, created_at=now, last_seen=now))
    return token


@dataclass(frozen=True)
class SignedIn:
    """The user of a live web session, with what every page's header shows about them."""
    user: User
    unread_notifications: int


def signed_in(session: Session, token: str | None, *, now: datetime | None = None) -> SignedIn | None:
    """The active user of a live session, or None (revoked, idle too long, user deactivated).

    Every page asks this first, so it is one statement: the session, its user and the unread count."""
    if not token:
        return None
    now = now or utcnow()
    unread = (select(func.count()).select_from(Notification)
              .where(Notification.user_id == User.id, Notification.read_at.is_(None)).scalar_subquery())
    row = session.execute(
        select(LoginSession.id, LoginSession.last_seen, User, unread).join(User, User.id == LoginSession.user_id)
        .where(LoginSession.token_hash == secret_hash(token), LoginSession.revoked_at.is_(None),
               User.active.is_(True))).first()
    if row is None or row.last_seen < now - IDLE_TIMEOUT:
        return None
    session_id, last_seen, user, unread_count = row
    if last_seen < now - TOUCH_INTERVAL:
        with write_transaction(session):
            session.execute(update(LoginSession).where(LoginSession.id == session_id).values(last_seen=now))
    return SignedIn(user, unread_count or 0)


def end_session(session: Session, token: str | None, *, now: datetime | None = None) -> None:
    if not token:
        return
    with write_transaction(session):
        session.execute(update(LoginSession).where(LoginSession.token_hash == secret_hash(token),
                                                   LoginSession.revoked_at.is_(None))
                        .values(revoked_at=now or utcnow()))


def end_sessions_of(session: Session, user_id: int, *, now: datetime | None = None) -> int:
    """Revoke every live session of a user (deactivation, password change)."""
    with write_transaction(session):
        return revoke_sessions_in_transaction(session, user_id, now=now)


def revoke_sessions_in_transaction(session: Session, user_id: int, *, now: datetime | None = None) -> int:
    """The same inside a service's own transaction."""
    return session.execute(update(LoginSession).where(
        LoginSession.user_id == user_id, LoginSession.revoked_at.is_(None)).values(revoked_at=now or utcnow())).rowcount


def purge_expired(session: Session, *, now: datetime | None = None) -> int:
    """Delete ended sessions (a housekeeping job may call this)."""
    now = now or utcnow()
    with write_transaction(session):
        result = session.execute(delete(LoginSession).where(or_(
            LoginSession.revoked_at.is_not(None), LoginSession.last_seen < now - IDLE_TIMEOUT)))
    return result.rowcount
