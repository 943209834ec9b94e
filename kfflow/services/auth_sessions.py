"""Web sign-in sessions kept on the server.

The browser holds a random token; the database holds only its SHA-256. A session ends at once when
it is revoked (logout), when its user is deactivated, or after a long idle time. Failed sign-ins are
counted by kfflow.services.throttle, shared with the API's token requests.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from kfflow.db import utcnow, write_transaction
from kfflow.models import LoginSession, Notification, User
from kfflow.security import new_secret_token, secret_hash
from kfflow.services.credentials import PasswordDoor, check_password_at_door

log = logging.getLogger(__name__)

IDLE_TIMEOUT = timedelta(hours=8)
# last_seen is written at most this often, so reading pages does not become writing.
TOUCH_INTERVAL = timedelta(minutes=5)


@dataclass(frozen=True)
class SignIn:
    """A successful sign-in: the user and the token of their new session."""
    user: User
    token: str


def sign_in(session: Session, username: str, password: str, address: str, *, door: PasswordDoor = PasswordDoor(),
            now: datetime | None = None) -> SignIn | None:
    """Check the password behind the throttle; when right, start a new server-side session.

    None for a wrong username or password; TooManyAttempts when the throttle refuses to check;
    PasswordSignInOff when the door (KFFLOW_LOCAL_LOGIN) does not let this account try."""
    user = check_password_at_door(session, door, username, password, address, "web", now=now)
    if user is None:
        return None
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
               User.active.is_(True), User.service_account.is_(False))).first()
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
