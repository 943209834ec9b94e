"""Reminder preferences and the in-app list of notifications."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kfflow.db import utcnow, write_transaction
from kfflow.errors import NotFound, PermissionDenied, ValidationError
from kfflow.services.secrecy import SecrecyLens
from kfflow.models import Notification, NotificationPreference, User
from kfflow.models.notification import DELIVERY_MODES
from kfflow.services._common import load_actor
from kfflow.services.access import may
from kfflow.workflow.fields import MAX_ID

DELIVERY_LABELS = {"immediate": "Direkt", "daily": "Daglig sammanställning", "weekly": "Veckosammanställning"}


@dataclass(frozen=True)
class Preferences:
    mail_enabled: bool
    delivery: str

    @property
    def delivery_label(self) -> str:
        return DELIVERY_LABELS[self.delivery]


def get_preferences(session: Session, actor: User) -> Preferences:
    pref = session.get(NotificationPreference, actor.id)
    return Preferences(pref.mail_enabled, pref.delivery) if pref else Preferences(True, "immediate")


def set_preferences(session: Session, actor: User, *, mail_enabled: bool, delivery: str,
                    user_id: int | None = None) -> Preferences:
    """A user sets their own preferences; an admin may set anyone's."""
    if delivery not in DELIVERY_MODES:
        raise ValidationError("Inställningarna kunde inte sparas.", {
            "delivery": f"Välj en av: {', '.join(DELIVERY_LABELS.values())}."})
    with write_transaction(session):
        me = load_actor(session, actor)
        target = user_id if user_id is not None else me.id
        if target != me.id and not may(me, "administer"):
            raise PermissionDenied("Du får bara ändra dina egna aviseringsinställningar.")
        if session.get(User, target) is None:
            raise NotFound("Användaren finns inte.")
        pref = session.get(NotificationPreference, target)
        if pref is None:
            pref = NotificationPreference(user_id=target)
            session.add(pref)
        pref.mail_enabled = bool(mail_enabled)
        pref.delivery = delivery
    return Preferences(bool(mail_enabled), delivery)


def list_notifications(session: Session, actor: User, *, limit: int = 50, unread_only: bool = False) -> list[Notification]:
    """The actor's notifications, newest first."""
    stmt = select(Notification).where(Notification.user_id == actor.id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    notes = list(session.scalars(stmt.order_by(Notification.id.desc()).limit(limit)))
    return SecrecyLens(session, actor).notifications(notes)


def mark_notifications_read(session: Session, actor: User, ids: list[int] | None = None, *,
                            now: datetime | None = None) -> int:
    """Mark the actor's notifications (all, or these ids) as read; others' are never touched."""
    with write_transaction(session):
        me = load_actor(session, actor)
        stmt = update(Notification).where(Notification.user_id == me.id, Notification.read_at.is_(None))
        if ids is not None:
            # An id beyond the integer column names no notification (and PostgreSQL would refuse the cast).
            stmt = stmt.where(Notification.id.in_([i for i in ids if 0 < i <= MAX_ID]))
        result = session.execute(stmt.values(read_at=now or utcnow()).execution_options(synchronize_session=False))
    return result.rowcount
