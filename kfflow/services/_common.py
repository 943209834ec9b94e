"""Small helpers the services share: loading the actor and a case inside the service's transaction."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from kfflow.db import utcnow
from kfflow.errors import NotFound, PermissionDenied
from kfflow.models import CASE_MODELS, HistoryEntry, User


def load_actor(session: Session, actor: User | int) -> User:
    """A fresh copy of the acting user, so a deactivation made meanwhile is seen."""
    actor_id = actor if isinstance(actor, int) else actor.id
    user = session.get(User, actor_id, populate_existing=True)
    if user is None or not user.active:
        raise PermissionDenied("Du måste vara inloggad med ett aktivt konto.")
    return user


def case_ref(case) -> tuple[str, int]:
    if isinstance(case, tuple):
        return case
    return (case.case_kind, case.id)


def load_case(session: Session, kind: str, case_id: int, *, for_write: bool = True):
    model = CASE_MODELS.get(kind)
    if model is None:
        raise NotFound(f"Okänd ärendetyp: {kind}.")
    obj = session.get(model, case_id, populate_existing=for_write)
    if obj is None:
        raise NotFound("Ärendet finns inte.")
    return obj


def add_history(session: Session, *, case, trigger: str, from_state: str | None, actor: User | None,
                at: datetime | None = None, fields: dict | None = None, comment: str | None = None) -> HistoryEntry:
    entry = HistoryEntry(case_kind=case.case_kind, case_id=case.id, trigger=trigger, from_state=from_state,
                         to_state=case.state, actor_id=actor.id if actor else None, at=at or utcnow(),
                         fields=fields or {}, comment=comment, workflow_version=case.workflow_version)
    session.add(entry)
    return entry


def column_length_errors(model, fields, values: dict) -> dict[str, str]:
    """Texts longer than the column they are written to (PostgreSQL refuses them; SQLite would not)."""
    errors = {}
    for field in fields:
        column = model.__table__.columns.get(field.name)
        length = getattr(getattr(column, "type", None), "length", None)
        value = values.get(field.name)
        if length and isinstance(value, str) and len(value) > length:
            errors[field.name] = f"{field.label}: högst {length} tecken."
    return errors
