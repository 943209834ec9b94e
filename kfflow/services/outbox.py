"""What the mail outbox holds that needs a person: the messages that could not be delivered (admins only)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kfflow.models import OutboxMessage, User
from kfflow.services._common import load_actor
from kfflow.services.access import require


@dataclass(frozen=True)
class FailedMail:
    id: int
    recipient: str
    address: str | None
    subject: str
    case_kind: str
    case_id: int
    occurs_on: date
    attempts: int
    last_error: str | None


def failed_mail(session: Session, actor, *, limit: int = 100) -> tuple[int, list[FailedMail]]:
    """(how many outbox messages gave up, the latest `limit` of them)."""
    actor = load_actor(session, actor)
    require(actor, "administer", denied="Din roll får inte se misslyckade e-postmeddelanden.")
    failed = OutboxMessage.status == "failed"
    count = session.scalar(select(func.count()).select_from(OutboxMessage).where(failed)) or 0
    rows = session.execute(
        select(OutboxMessage.id, User.display_name, User.email, OutboxMessage.subject, OutboxMessage.case_kind,
               OutboxMessage.case_id, OutboxMessage.occurs_on, OutboxMessage.attempts, OutboxMessage.last_error)
        .join(User, User.id == OutboxMessage.recipient_id).where(failed)
        .order_by(OutboxMessage.id.desc()).limit(limit))
    return count, [FailedMail(*row) for row in rows]
