"""A personal iCalendar feed of one's own due dates, behind a revocable token in its URL."""
from __future__ import annotations

from datetime import datetime

from icalendar import Calendar, Event
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kfflow.db import utcnow, write_transaction
from kfflow.errors import NotFound
from kfflow.kinds import KINDS
from kfflow.models import CalendarToken, User
from kfflow.reminders.mail import base_url
from kfflow.security import new_secret_token, secret_hash
from kfflow.services._common import load_actor

# Cases whose date still matters to their owner.
OPEN_STATES = ("proposed", "prioritised", "decided")



def issue_calendar_token(session: Session, actor: User, *, now: datetime | None = None) -> str:
    """A new feed token for the actor; earlier ones stop working. Only its hash is stored."""
    now = now or utcnow()
    token = new_secret_token()
    with write_transaction(session):
        me = load_actor(session, actor)
        session.execute(update(CalendarToken).where(CalendarToken.user_id == me.id, CalendarToken.revoked_at.is_(None))
                        .values(revoked_at=now).execution_options(synchronize_session=False))
        session.add(CalendarToken(user_id=me.id, token_hash=secret_hash(token), created_at=now))
    return token


def revoke_calendar_token(session: Session, actor: User, *, now: datetime | None = None) -> int:
    """Stop every feed URL of the actor. Returns how many were active."""
    with write_transaction(session):
        me = load_actor(session, actor)
        result = session.execute(
            update(CalendarToken).where(CalendarToken.user_id == me.id, CalendarToken.revoked_at.is_(None))
            .values(revoked_at=now or utcnow()).execution_options(synchronize_session=False))
    return result.rowcount


def has_calendar_token(session: Session, actor: User) -> bool:
    """Whether the actor has a feed URL that still works (the token itself is never stored)."""
    return session.scalar(select(CalendarToken.id).where(
        CalendarToken.user_id == actor.id, CalendarToken.revoked_at.is_(None)).limit(1)) is not None


def calendar_for_token(session: Session, token: str, *, base: str | None = None) -> bytes:
    """The feed as iCalendar bytes; NotFound for an unknown or revoked token or an inactive user."""
    user = session.scalar(select(User).join(CalendarToken, CalendarToken.user_id == User.id).where(
        CalendarToken.token_hash == secret_hash(token or ""), CalendarToken.revoked_at.is_(None)))
    if user is None or not user.active:
        raise NotFound("Kalendern finns inte.")
    base = base or base_url()
    stamp = utcnow()
    cal = Calendar()
    cal.add("prodid", "-//kfflow//kalender//SV")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"kfflow: {user.display_name}")
    for kind in KINDS.values():
        if kind.due is None:
            continue
        due = kind.due.column
        rows = session.execute(kind.case_rows().where(
            kind.model.owner_id == user.id, kind.model.state.in_(OPEN_STATES), due.is_not(None))
            .order_by(due, kind.model.id))
        for case_id, _state, _owner, day, *title in rows:
            cal.add_component(_event(f"{kind.name}-{case_id}", f"{kind.due.calendar_label}: {kind.title_from(title)}",
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
