"""A personal iCalendar feed of one's own due dates, behind a revocable token in its URL."""
from __future__ import annotations

from datetime import datetime, timedelta

from icalendar import Calendar, Event
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kfflow.db import utcnow, write_transaction
from kfflow.errors import NotFound
from kfflow.services.secrecy import SecrecyLens
from kfflow.kinds import KINDS
from kfflow.models import CalendarToken, User
from kfflow.reminders.mail import base_url
from kfflow.security import new_secret_token, secret_hash
from kfflow.services._common import load_actor
from kfflow.workflow import get_workflows

# The default life of a feed URL; the web passes KFFLOW_CALENDAR_FEED_DAYS.
FEED_LIFETIME = timedelta(days=365)



def issue_calendar_token(session: Session, actor: User, *, now: datetime | None = None,
                         lifetime: timedelta = FEED_LIFETIME) -> str:
    """A new feed token for the actor, valid for `lifetime`; earlier ones stop working. Only its hash is stored."""
    now = now or utcnow()
    token = new_secret_token()
    with write_transaction(session):
        me = load_actor(session, actor)
        session.execute(update(CalendarToken).where(CalendarToken.user_id == me.id, CalendarToken.revoked_at.is_(None))
                        .values(revoked_at=now).execution_options(synchronize_session=False))
        session.add(CalendarToken(user_id=me.id, token_hash=secret_hash(token), created_at=now,
                                  expires_at=now + lifetime))
    return token


def renew_calendar_token(session: Session, actor: User, *, now: datetime | None = None,
                         lifetime: timedelta = FEED_LIFETIME) -> datetime:
    """The actor's feed URL (even one that just expired) keeps working for `lifetime` from now, so a
    subscribed calendar need not change. NotFound when there is none (never made, or revoked)."""
    now = now or utcnow()
    with write_transaction(session):
        me = load_actor(session, actor)
        feed = session.scalars(select(CalendarToken).where(
            CalendarToken.user_id == me.id, CalendarToken.revoked_at.is_(None))
            .order_by(CalendarToken.id.desc()).limit(1)).first()
        if feed is None:
            raise NotFound("Du har ingen kalenderlänk att förnya. Skapa en ny.")
        feed.expires_at = now + lifetime
    return feed.expires_at


def revoke_calendar_token(session: Session, actor: User, *, now: datetime | None = None) -> int:
    """Stop every feed URL of the actor. Returns how many were active."""
    with write_transaction(session):
        me = load_actor(session, actor)
        return revoke_calendar_tokens_of(session, me.id, now=now)


def revoke_calendar_tokens_of(session: Session, user_id: int, *, now: datetime | None = None) -> int:
    """Inside the caller's transaction: stop every feed URL of a user (deactivation, password change)."""
    result = session.execute(
        update(CalendarToken).where(CalendarToken.user_id == user_id, CalendarToken.revoked_at.is_(None))
        .values(revoked_at=now or utcnow()).execution_options(synchronize_session=False))
    return result.rowcount


def calendar_feed_expiry(session: Session, actor: User) -> datetime | None:
    """When the actor's feed URL stops (or stopped) working; None when there is none (the token itself is
    never stored)."""
    return session.scalar(select(CalendarToken.expires_at).where(
        CalendarToken.user_id == actor.id, CalendarToken.revoked_at.is_(None))
        .order_by(CalendarToken.id.desc()).limit(1))


def calendar_for_token(session: Session, token: str, *, base: str | None = None,
                       now: datetime | None = None) -> bytes:
    """The feed as iCalendar bytes; NotFound for an unknown, revoked or expired token or an inactive user."""
    user = session.scalar(select(User).join(CalendarToken, CalendarToken.user_id == User.id).where(
        CalendarToken.token_hash == secret_hash(token or ""), CalendarToken.revoked_at.is_(None),
        CalendarToken.expires_at > (now or utcnow())))
    if user is None or not user.active:
        raise NotFound("Kalendern finns inte.")
    base = base or base_url()
    stamp = utcnow()
    cal = Calendar()
    cal.add("prodid", "-//kfflow//kalender//SV")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"kfflow: {user.display_name}")
    seen = SecrecyLens(session, user)  # a marked case's title reads as the notice, as in the list
    for kind in KINDS.values():
        if kind.due is None:
            continue
        due = kind.due.column
        # Cases whose date still matters to their owner: those that can still be late.
        open_states = get_workflows().current(kind.name).tagged("can_be_late")
        rows = session.execute(kind.case_rows().where(
            kind.model.owner_id == user.id, kind.model.state.in_(open_states), due.is_not(None))
            .order_by(due, kind.model.id))
        for case_id, _state, _owner, day, *title in rows:
            cal.add_component(_event(f"{kind.name}-{case_id}", f"{kind.due.calendar_label}: "
                                     f"{seen.title(kind.name, case_id, kind.title_from(title))}",
                                     day, kind.web_url(case_id, base), stamp))
    return cal.to_ical()


def _event(uid: str, summary: str, day, url: str, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", f"{uid}@kfflow")
    event.add("summary", summary)
    event.add("dtstart", day)      # a date: an all-day event
    event.add("dtstamp", stamp)
    event.add("url", url)
    event.add("description", url)
    return event
