"""Named API tokens ("API-nycklar"): made by a person for themselves, or by an admin for a service account.

They need no password, so people who sign in through the identity provider can have them. A token is shown
once, when made; only its hash is kept (kfflow.services.tokens). Each has a name and an expiry the maker
chooses, at most `max_days` from today (KFFLOW_API_TOKEN_MAX_DAYS); it stays valid through that day in the
region's time zone. Revoking works at the next request: every request checks the token's row.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from kfflow.clock import LOCAL_TZ, local_today
from kfflow.db import utcnow, write_transaction
from kfflow.errors import NotFound, PermissionDenied, ValidationError
from kfflow.models import AccountEvent, ApiToken, User
from kfflow.services._common import load_actor
from kfflow.services.access import require
from kfflow.services.anonymise import ANONYMISED
from kfflow.services.credentials import BREAK_GLASS_SIGN_IN
from kfflow.services.tokens import new_token_row
from kfflow.workflow.fields import check_text, parse_date

log = logging.getLogger(__name__)

NAME_LENGTH = ApiToken.__table__.c.name.type.length
TOKEN_CREATED = "token_created"
TOKEN_REVOKED = "token_revoked"
EVENT_LABELS = {TOKEN_CREATED: "API-nyckel skapad", TOKEN_REVOKED: "API-nyckel återkallad",
                BREAK_GLASS_SIGN_IN: "Nödinloggning med lösenord", ANONYMISED: "Personuppgifter anonymiserade"}


@dataclass(frozen=True)
class AccountEventLine:
    """One event of an account's history: a break-glass sign-in (detail: door and address), a key made or
    revoked (detail: its name; `by`: the admin, when it was not the account itself)."""
    at: datetime
    username: str
    kind: str
    label: str
    detail: str
    by: str | None


RECENT_EVENTS = 100


def _event_lines(session: Session, *conditions, newest_first: bool, limit: int | None = None) -> list[AccountEventLine]:
    owner, actor = aliased(User), aliased(User)
    order = (AccountEvent.at.desc(), AccountEvent.id.desc()) if newest_first else (AccountEvent.at, AccountEvent.id)
    rows = session.execute(select(AccountEvent, owner.username, actor.username)
                           .join(owner, owner.id == AccountEvent.user_id)
                           .outerjoin(actor, actor.id == AccountEvent.actor_id)
                           .where(*conditions).order_by(*order).limit(limit))
    return [AccountEventLine(event.at, username, event.kind, EVENT_LABELS.get(event.kind, event.kind),
                             event.detail or "", by) for event, username, by in rows]


def account_events(session: Session, username: str) -> list[AccountEventLine]:
    """One account's history, oldest first (`kfflow users history`, run by an operator)."""
    user_id = session.scalar(select(User.id).where(User.username == (username or "").strip().lower()))
    if user_id is None:
        raise NotFound(f"Det finns ingen användare {username}.")
    return _event_lines(session, AccountEvent.user_id == user_id, newest_first=False)


def recent_account_events(session: Session, actor: User) -> list[AccountEventLine]:
    """Every account's latest events, newest first, for admins: break-glass sign-ins stand out here."""
    require(load_actor(session, actor), "administer", denied="Din roll får inte se kontohändelser.")
    return _event_lines(session, newest_first=True, limit=RECENT_EVENTS)


@dataclass(frozen=True)
class ApiKey:
    """A live token as its owner's list shows it; never the token itself."""
    id: int
    name: str | None
    created: datetime
    expires: datetime
    last_used: datetime | None

    @property
    def last_day(self) -> date:
        """The last day it works on, in the region's time zone (it ends at the following midnight)."""
        return (self.expires.astimezone(LOCAL_TZ) - timedelta(microseconds=1)).date()


@dataclass(frozen=True)
class NewApiKey:
    """A token just made: `token` is shown this once and then only its hash exists."""
    key: ApiKey
    token: str


def _as_key(row: ApiToken) -> ApiKey:
    return ApiKey(row.id, row.name, row.created_at, row.expires_at, row.last_used_at)


def default_expiry(max_days: int, *, now: datetime | None = None) -> date:
    """What a new key's form suggests: 90 days ahead, or the furthest allowed if that is sooner."""
    return local_today(now) + timedelta(days=min(90, max_days))


def _checked(name, expires, max_days: int, now: datetime) -> tuple[str, datetime]:
    """The name and the end of the expiry day, or ValidationError with a Swedish message per field."""
    errors = {}
    try:
        name = check_text(name if name is not None else "", multiline=False, max_length=NAME_LENGTH)
        if not name:
            errors["name"] = "Ge nyckeln ett namn, t.ex. vad den ska användas till."
    except ValueError as exc:
        errors["name"] = str(exc)
    today = local_today(now)
    last_day = today + timedelta(days=max_days)
    try:
        day = parse_date(expires if expires not in (None, "") else "saknas")
        if day <= today:
            errors["expires"] = "Slutdatumet ska vara efter i dag."
        elif day > last_day:
            errors["expires"] = f"En nyckel får gälla högst {max_days} dagar, till och med {last_day.isoformat()}."
    except ValueError as exc:
        errors["expires"] = str(exc)
    if errors:
        raise ValidationError("API-nyckeln kunde inte skapas.", errors)
    end_of_day = datetime.combine(day + timedelta(days=1), time(0), tzinfo=LOCAL_TZ)
    return name, end_of_day


def create_key_in_transaction(session: Session, owner: User, name, expires, *, max_days: int, now: datetime,
                              actor: User | None = None) -> NewApiKey:
    """Inside the caller's transaction: a new named token for `owner` (made by `actor`, if someone else)."""
    name, expires_at = _checked(name, expires, max_days, now)
    token, row = new_token_row(session, owner.id, now=now, expires_at=expires_at, name=name)
    session.add(AccountEvent(user_id=owner.id, kind=TOKEN_CREATED, actor_id=actor.id if actor else None,
                             detail=name[:200], at=now))
    return NewApiKey(_as_key(row), token)


def live_keys(session: Session, owner_id: int, *, now: datetime | None = None) -> list[ApiKey]:
    """Every token of the owner that still works, newest first (unnamed ones come from password requests)."""
    rows = session.scalars(select(ApiToken).where(
        ApiToken.user_id == owner_id, ApiToken.revoked_at.is_(None), ApiToken.expires_at > (now or utcnow()))
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc()))
    return [_as_key(row) for row in rows]


def revoke_key_in_transaction(session: Session, owner_id: int, token_id: int, *, now: datetime,
                              actor: User | None = None) -> None:
    """Inside the caller's transaction: the owner's token ends now; NotFound if it is not theirs or not live."""
    row = session.scalar(select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == owner_id,
                                                ApiToken.revoked_at.is_(None), ApiToken.expires_at > now))
    if row is None:
        raise NotFound("API-nyckeln finns inte eller gäller redan inte.")
    row.revoked_at = now
    session.add(AccountEvent(user_id=owner_id, kind=TOKEN_REVOKED, actor_id=actor.id if actor else None,
                             detail=(row.name or "")[:200], at=now))


# --- one's own keys ---------------------------------------------------------------------------------

def my_keys(session: Session, actor: User, *, now: datetime | None = None) -> list[ApiKey]:
    return live_keys(session, load_actor(session, actor).id, now=now)


def create_my_key(session: Session, actor: User, name, expires, *, max_days: int,
                  now: datetime | None = None) -> NewApiKey:
    """A named token for oneself; a service account gets its tokens from an admin only."""
    now = now or utcnow()
    with write_transaction(session):
        me = load_actor(session, actor)
        if me.service_account:
            raise PermissionDenied("Ett tjänstekonto får API-nycklar bara av en administratör.")
        made = create_key_in_transaction(session, me, name, expires, max_days=max_days, now=now)
    log.info("API key %d (%r) made by user %d", made.key.id, made.key.name, me.id)
    return made


def revoke_my_key(session: Session, actor: User, token_id: int, *, now: datetime | None = None) -> None:
    with write_transaction(session):
        me = load_actor(session, actor)
        revoke_key_in_transaction(session, me.id, token_id, now=now or utcnow())
    log.info("API key %d revoked by its owner, user %d", token_id, me.id)
