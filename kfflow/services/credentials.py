"""A user's credentials: changing and resetting a password, and ending every way in.

The ways in are web sessions, API tokens and calendar feed URLs. Which of them end, and when:

| event | sessions | API tokens | calendar feeds |
|---|---|---|---|
| the user changes their password | all but the one in use | all | kept (read-only, own button) |
| "sign out everywhere" | all | all | kept |
| an admin resets the password | all | all | all |
| deactivation, reactivation | all | all | all |

Revoking is final: a revoked row is never un-revoked, so reactivating a user brings nothing old back.

Whether a password may be tried at all is `PasswordDoor`'s rule (KFFLOW_LOCAL_LOGIN and the break-glass
accounts): the sign-in page and the API's token request both ask `check_password_at_door`, never a setting.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kfflow.db import utcnow, write_transaction
from kfflow.errors import GuardFailed, NotFound, PermissionDenied, ValidationError
from kfflow.models import AccountEvent, ApiToken, LoginSession, User
from kfflow.security import hash_password, new_one_time_password, password_policy_error, secret_hash
from kfflow.services._common import load_actor
from kfflow.services.access import require, roles_for
from kfflow.services.calendar import revoke_calendar_tokens_of
from kfflow.services.throttle import check_password, normalise_address, normalise_username

log = logging.getLogger(__name__)

BREAK_GLASS_SIGN_IN = "break_glass_sign_in"


class PasswordSignInOff(PermissionDenied):
    """Password sign-in is off (KFFLOW_LOCAL_LOGIN=0) and this account is not a break-glass account."""


@dataclass(frozen=True)
class PasswordDoor:
    """Who may sign in with a password: everyone (`open`, KFFLOW_LOCAL_LOGIN=1), or with it off only the
    local accounts named in KFFLOW_BREAK_GLASS_ACCOUNTS, for when the identity provider is down."""
    open: bool = True
    break_glass: frozenset[str] = frozenset()

    @classmethod
    def from_settings(cls, settings) -> "PasswordDoor":
        return cls(open=settings.local_login, break_glass=settings.break_glass_usernames)

    def lets_in(self, username: str) -> bool:
        return self.open or normalise_username(username) in self.break_glass

    @property
    def anyone_may_try(self) -> bool:
        """Whether the sign-in page offers a password form at all."""
        return self.open or bool(self.break_glass)


def check_password_at_door(session: Session, door: PasswordDoor, username: str, password: str, address: str,
                           channel: str, *, now: datetime | None = None) -> User | None:
    """The user with this password (behind the throttle), when the door lets the account try; None when wrong.

    PasswordSignInOff when it does not (the password is not checked); a break-glass sign-in is logged and
    written to the account's history."""
    if not door.lets_in(username):
        log.warning("password sign-in (%s) refused: KFFLOW_LOCAL_LOGIN=0 and %r is no break-glass account",
                    channel, normalise_username(username))
        raise PasswordSignInOff("Inloggning med lösenord är avstängd. Logga in via regionens inloggningstjänst.")
    user = check_password(session, username, password, address, channel, now=now)
    if user is not None and not door.open:
        with write_transaction(session):
            session.add(AccountEvent(user_id=user.id, kind=BREAK_GLASS_SIGN_IN, at=now or utcnow(),
                                     detail=f"{channel} {normalise_address(address)}"))
        log.warning("break-glass password sign-in (%s) by %s from %s", channel, user.username, address)
    return user


@dataclass(frozen=True)
class Revoked:
    """How many of each were live until now."""
    sessions: int = 0
    api_tokens: int = 0
    calendar_feeds: int = 0


def revoke_in_transaction(session: Session, user_id: int, *, calendar_feeds: bool = True,
                          keep_session_token: str | None = None, now: datetime | None = None) -> Revoked:
    """Inside the caller's transaction: end the user's sessions (but `keep_session_token`'s), API tokens and,
    unless told not to, calendar feeds."""
    now = now or utcnow()
    sessions = update(LoginSession).where(LoginSession.user_id == user_id, LoginSession.revoked_at.is_(None))
    if keep_session_token:
        sessions = sessions.where(LoginSession.token_hash != secret_hash(keep_session_token))
    ended_sessions = session.execute(sessions.values(revoked_at=now)).rowcount
    ended_tokens = session.execute(update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
                                   .values(revoked_at=now).execution_options(synchronize_session=False)).rowcount
    ended_feeds = revoke_calendar_tokens_of(session, user_id, now=now) if calendar_feeds else 0
    return Revoked(ended_sessions, ended_tokens, ended_feeds)


def password_error_for(user: User, password: str) -> str | None:
    """The policy (kfflow.security) told who the password is for: a name or address in it is easy to guess."""
    email_name = (user.email or "").split("@")[0]
    return password_policy_error(password, user_inputs=(user.username, user.display_name, email_name))


def change_password(session: Session, actor: User, current_password: str, new_password: str, *,
                    address: str, keep_session_token: str | None = None, now: datetime | None = None) -> Revoked:
    """The actor's new password, when the current one is right (checked behind the sign-in throttle) and the new
    one passes the policy. Every other session and every API token ends; the session in use stays."""
    me = load_actor(session, actor)
    errors = {}
    problem = password_error_for(me, new_password or "")
    if problem:
        errors["new_password"] = problem
    elif new_password == current_password:
        errors["new_password"] = "Det nya lösenordet ska skilja sig från det nuvarande."
    if check_password(session, me.username, current_password or "", address, "password", now=now) is None:
        errors["current_password"] = "Det nuvarande lösenordet är fel."
    if errors:
        raise ValidationError("Lösenordet kunde inte bytas.", errors)
    with write_transaction(session):
        me = load_actor(session, actor)
        me.password_hash = hash_password(new_password)
        me.must_change_password = False
        revoked = revoke_in_transaction(session, me.id, calendar_feeds=False, keep_session_token=keep_session_token,
                                        now=now)
    log.info("password changed by user %d; ended %d other sessions and %d API tokens",
             me.id, revoked.sessions, revoked.api_tokens)
    return revoked


def reset_password(session: Session, admin: User | None, user_id: int, one_time_password: str | None = None, *,
                   now: datetime | None = None) -> str:
    """An admin (or, with `admin=None`, an operator on the command line) gives a user a one-time password (the
    one given, if it passes the policy, else a generated one) and returns it to be handed over. The user must
    choose their own at the next sign-in; every session, API token and calendar feed of theirs ends."""
    with write_transaction(session):
        if admin is not None:
            require(load_actor(session, admin), "administer", denied="Din roll får inte hantera användare.")
        user = session.get(User, user_id)
        if user is None:
            raise NotFound("Användaren finns inte.")
        if user.service_account:
            raise GuardFailed("Ett tjänstekonto har inget lösenord; det använder API-nycklar.")
        password = one_time_password or new_one_time_password()
        problem = password_error_for(user, password) if one_time_password else None
        if problem:
            raise ValidationError("Lösenordet kunde inte sättas.", {"password": problem})
        user.password_hash = hash_password(password)
        user.must_change_password = True
        revoked = revoke_in_transaction(session, user.id, now=now)
    log.warning("password of user %d reset by %s; ended %d sessions, %d API tokens, %d calendar feeds",
                user_id, f"admin {admin.id}" if admin else "the command line", revoked.sessions, revoked.api_tokens,
                revoked.calendar_feeds)
    return password


def sign_out_everywhere(session: Session, actor: User, *, now: datetime | None = None) -> Revoked:
    """End every session (this one too) and every API token of the actor."""
    with write_transaction(session):
        me = load_actor(session, actor)
        revoked = revoke_in_transaction(session, me.id, calendar_feeds=False, now=now)
    log.info("user %d signed out everywhere: %d sessions, %d API tokens", me.id, revoked.sessions, revoked.api_tokens)
    return revoked


def keep_an_active_admin(session: Session, user: User, *, active: bool, role: str) -> None:
    """Inside the caller's transaction, before `user` becomes (in)active or changes role: refuse to leave the
    organisation without an active admin (nobody could then manage users). The admins' rows are locked, so two
    admins deactivating each other at once cannot both succeed."""
    admin_roles = roles_for("administer")  # who manages users is roles.yaml's rule
    # A service account cannot sign in to the pages, so it never counts as the admin who is left.
    if user.service_account or not (user.active and user.role in admin_roles) or (active and role in admin_roles):
        return
    # Every active admin's row, locked in id order (no deadlock); a concurrent change waits here and then
    # sees the committed state (PostgreSQL re-checks the condition of a row it waited for).
    admins = session.scalars(select(User.id).where(User.role.in_(admin_roles), User.active.is_(True),
                                                   User.service_account.is_(False))
                             .order_by(User.id).with_for_update()).all()
    if not set(admins) - {user.id}:
        raise GuardFailed("Det måste finnas minst en aktiv administratör. Utse en annan administratör först.")
