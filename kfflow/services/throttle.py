"""The one throttle in front of every password check: web sign-in, API token requests (and any later door).

OWASP's advice, "slow down, do not lock out", as three limits over one table of failures (SignInFailure),
all within WINDOW:

- one account from one address: MAX_PER_ACCOUNT_AND_ADDRESS failures, then that address waits for that
  account until the oldest of them leaves the window. Someone else's failures never lock a user out:
  the same account from another address is not affected by this limit.
- one address, any accounts: MAX_PER_ADDRESS failures (a whole office may share one address behind NAT),
  which stops one password tried against many usernames.
- one account, any addresses: after ACCOUNT_SLOWDOWN_AFTER failures the account takes one attempt per
  ACCOUNT_SPACING from anyone. A guesser spread over many addresses is slowed to a crawl, while the
  real user waits seconds, never the whole window.

Counting is atomic: an attempt is written as a failure *before* the (slow) password check, in a
transaction that holds the throttle's lock (an advisory lock on PostgreSQL, the write lock on SQLite),
and deleted again when the password proves right. N concurrent guesses therefore see 0, 1, 2 … N-1
earlier attempts, and only the first few get a password check at all.
"""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from kfflow.db import utcnow, write_transaction
from kfflow.errors import TooManyAttempts
from kfflow.models import SignInFailure, User
from kfflow.services.users import authenticate
from kfflow.workflow.fields import without_forbidden

log = logging.getLogger(__name__)

WINDOW = timedelta(minutes=15)
MAX_PER_ACCOUNT_AND_ADDRESS = 5
MAX_PER_ADDRESS = 20
ACCOUNT_SLOWDOWN_AFTER = 10
ACCOUNT_SPACING = timedelta(seconds=30)
# pg_advisory_xact_lock key of the throttle ("kffl"): counting and recording one attempt is a few
# milliseconds, so one lock for all accounts is simpler than ordering several and costs nothing.
_PG_LOCK_KEY = 0x6B66666C
THROTTLED_MESSAGE = "För många misslyckade inloggningar. Försök igen om {wait}."


@dataclass(frozen=True)
class Attempt:
    """A password check under way: its row counts as a failure until `succeeded` removes it."""
    failure_id: int
    username: str
    address: str
    channel: str


def normalise_username(username: str | None) -> str:
    # Control characters (NUL) cannot be stored or looked up; as U+FFFD the name simply matches no one.
    return without_forbidden((username or "").strip().lower())[:80]


def normalise_address(address: str | None) -> str:
    return (address or "unknown")[:64]


def begin_attempt(session: Session, username: str, address: str, channel: str, *,
                  now: datetime | None = None) -> Attempt:
    """Count an attempt before its password is checked; TooManyAttempts (with seconds to wait) if over a limit."""
    now = now or utcnow()
    username, address = normalise_username(username), normalise_address(address)
    with write_transaction(session):
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
        # Failures older than the window count for nothing; keep the table small.
        session.execute(delete(SignInFailure).where(SignInFailure.at <= now - WINDOW))
        wait = _seconds_to_wait(session, username, address, now)
        if wait is None:
            row = SignInFailure(username=username, address=address, channel=channel[:16], at=now)
            session.add(row)
            session.flush()
    if wait is not None:
        log.warning("sign-in throttled (%s) for username=%r from %s: retry after %d s",
                    channel, username, address, wait)
        raise TooManyAttempts(THROTTLED_MESSAGE.format(wait=_swedish_wait(wait)), retry_after=wait)
    return Attempt(failure_id=row.id, username=username, address=address, channel=channel)


def _seconds_to_wait(session: Session, username: str, address: str, now: datetime) -> int | None:
    since = now - WINDOW
    waits = []
    recent = SignInFailure.at > since
    pair = session.scalars(select(SignInFailure.at).where(
        SignInFailure.username == username, SignInFailure.address == address, recent)
        .order_by(SignInFailure.at.desc()).limit(MAX_PER_ACCOUNT_AND_ADDRESS)).all()
    if len(pair) >= MAX_PER_ACCOUNT_AND_ADDRESS:
        waits.append(pair[-1] + WINDOW - now)
    from_address = session.scalars(select(SignInFailure.at).where(SignInFailure.address == address, recent)
                                   .order_by(SignInFailure.at.desc()).limit(MAX_PER_ADDRESS)).all()
    if len(from_address) >= MAX_PER_ADDRESS:
        waits.append(from_address[-1] + WINDOW - now)
    count, last = session.execute(select(func.count(SignInFailure.id), func.max(SignInFailure.at)).where(
        SignInFailure.username == username, recent)).one()
    if count >= ACCOUNT_SLOWDOWN_AFTER:
        waits.append(_as_utc(last, now) + ACCOUNT_SPACING - now)
    longest = max(waits, default=timedelta(0))
    return max(1, math.ceil(longest.total_seconds())) if longest > timedelta(0) else None


def _as_utc(value: datetime, now: datetime) -> datetime:
    # max() bypasses the column type on SQLite and returns naive UTC (or a string).
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=now.tzinfo)


def _swedish_wait(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} sekunder"
    minutes = math.ceil(seconds / 60)
    return "1 minut" if minutes == 1 else f"{minutes} minuter"


def succeeded(session: Session, attempt: Attempt) -> None:
    """The password was right: the attempt was no failure, and this address's failures on the account are forgiven."""
    with write_transaction(session):
        session.execute(delete(SignInFailure).where(
            (SignInFailure.id == attempt.failure_id)
            | ((SignInFailure.username == attempt.username) & (SignInFailure.address == attempt.address))))


def check_password(session: Session, username: str, password: str, address: str, channel: str, *,
                   now: datetime | None = None) -> User | None:
    """The active user with this username and password, behind the throttle; None when wrong.

    Raises TooManyAttempts when the throttle refuses the attempt: then the password is not checked."""
    attempt = begin_attempt(session, username, address, channel, now=now)
    user = authenticate(session, attempt.username, password)
    if user is None:
        log.warning("sign-in failed (%s) for username=%r from %s", channel, attempt.username, attempt.address)
        return None
    succeeded(session, attempt)
    return user
