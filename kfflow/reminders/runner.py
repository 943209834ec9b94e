"""One sweep: queue what is due (exactly once per key), then deliver what the outbox holds."""
from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite

from kfflow.database import Database
from kfflow.db import utcnow, write_transaction
from kfflow.models import OutboxMessage, Setting, User
from kfflow.reminders.delivery import DeliveryReport, deliver_due, due_filter
from kfflow.reminders.mail import Mailer, base_url
from kfflow.reminders.rules import ReminderRules
from kfflow.reminders.sweep import Audience, QueuedKeys, dry_run_batch, plan_due, store_due
from kfflow.services.lagesbild_snapshots import freeze_at_meetings


@dataclass
class SweepResult:
    queued: int = 0                 # reminders found due (mail or in-app), before deduplication
    would_send: int = 0             # dry run: mails a real sweep would send now
    notifications: int = 0
    waiting: int = 0                # outbox rows due but not sent (no SMTP configured)
    frozen: int = 0                 # lägesbilder frozen at a steering meeting (lagesbild_snapshots.py)
    delivery: DeliveryReport = field(default_factory=DeliveryReport)

    @property
    def all_failed(self) -> bool:
        """Nothing went out and some will be retried: the mail server is the trouble, not a message."""
        return bool(self.delivery.failed) and not self.delivery.sent and self.delivery.retrying > 0


# When the last sweep finished queueing (UTC, ISO 8601), for the operators' "seconds since the last sweep".
LAST_SWEEP_KEY = "reminders_last_sweep_at"


def _record_sweep(session) -> None:
    conn = session.connection()
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(Setting.__table__).values(key=LAST_SWEEP_KEY, value=utcnow().isoformat())
    conn.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={"value": stmt.excluded.value}))


@contextlib.contextmanager
def _without_cyclic_gc() -> Iterator[None]:
    """Planning allocates one small acyclic tuple per (rule, case): reference counting frees them all, and
    the cyclic collector's passes over the growing heap would otherwise take half the sweep's time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _role_labels() -> dict[str, str]:
    from kfflow.workflow import get_workflows

    return {name: role.label for name, role in get_workflows().roles.items()}


def run_sweep(db: Database, rules: ReminderRules, now: datetime, *, mailer: Mailer | None, dry_run: bool = False,
              base: str | None = None, echo: Callable[[str], None] | None = None) -> SweepResult:
    """`echo` receives one Swedish line per mail sent (or, in a dry run, that would be sent)."""
    result = SweepResult()
    base = base or base_url()
    labels = _role_labels()
    if dry_run:
        # Reads only: a dry run writes nothing, not even an outbox row.
        with db.engine.connect() as conn, _without_cyclic_gc():
            audience = Audience.load(conn, labels)
            queued: dict[str, QueuedKeys] = {}
            for batch in plan_due(conn, rules, now, audience):
                kind = batch[0].case_kind   # a batch holds one case kind, ordered by case id
                if kind not in queued:
                    queued[kind] = QueuedKeys(conn, kind)
                mails, found = dry_run_batch(batch, queued[kind].up_to(batch[-1].case_id), echo)
                result.would_send += mails
                result.queued += found
                result.notifications += found
            for keys in queued.values():
                keys.close()
            waiting = conn.execute(select(OutboxMessage.subject, User.email)
                                   .join(User, User.id == OutboxMessage.recipient_id)
                                   .where(due_filter(rules, now)).order_by(OutboxMessage.id)
                                   .execution_options(yield_per=1000))
            for subject, email in waiting:
                result.would_send += 1
                if echo is not None:
                    echo(f"Skulle skicka till {email} (väntar i utkorgen): {subject}")
        return result
    with db.session() as session:
        with write_transaction(session), _without_cyclic_gc():
            conn = session.connection()
            audience = Audience.load(conn, labels)
            for batch in plan_due(conn, rules, now, audience):
                result.queued += store_due(conn, batch, rules, now)
            result.frozen = freeze_at_meetings(session, rules.steering_meetings, now)
            _record_sweep(session)
        if mailer is None:
            result.waiting = session.scalar(select(func.count()).select_from(OutboxMessage)
                                            .where(due_filter(rules, now))) or 0
            session.rollback()
            return result
        try:
            result.delivery = deliver_due(session, rules, now, mailer, base=base, echo=echo or (lambda _line: None))
        finally:
            mailer.close()
    return result


def deliver_outbox(db: Database, settings, *, now: datetime | None = None) -> DeliveryReport:
    """Send what the outbox holds now, without a sweep: `kfflow worker`'s mail delivery job.

    Exactly-once is the outbox's own (delivery.py): each row is claimed by one conditional UPDATE before it
    is sent, so any number of delivery jobs and sweeps may run at once. Without SMTP nothing is claimed.
    """
    from kfflow.reminders.mail import SmtpSettings
    from kfflow.reminders.rules import load_reminder_rules
    from kfflow.workflow import get_workflows

    smtp = SmtpSettings.from_settings(settings)
    if smtp is None:
        return DeliveryReport()
    rules = load_reminder_rules(settings.workflows_path, get_workflows())
    mailer = Mailer(smtp)
    try:
        with db.session() as session:
            return deliver_due(session, rules, now or utcnow(), mailer, base=base_url(settings))
    finally:
        mailer.close()
