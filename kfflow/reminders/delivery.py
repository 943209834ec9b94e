"""The sender: claim outbox rows with a conditional UPDATE, send, mark sent; back off when SMTP fails.

A claim is `UPDATE outbox SET status='sending', claim_token=:mine … WHERE recipient_id=:r AND (pending and
due, or a stale sending claim)`: the database lets exactly one sender match each row, so the rows carrying
my token are mine alone. A claim older than `claim_timeout_minutes` is taken over (its sender crashed);
if that sender had already handed the mail to SMTP, that one mail goes out a second time — at most once
more, because the takeover is itself a claim.
"""
from __future__ import annotations

import logging
import secrets
import smtplib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from kfflow.db import write_transaction
from kfflow.models import NotificationPreference, OutboxMessage, User
from kfflow.reminders.mail import MailItem, Mailer, compose
from kfflow.reminders.rules import ReminderRules
from kfflow.services.secrecy import SecrecyLens

log = logging.getLogger(__name__)
# Errors after which further sends in this run would fail the same way: stop and retry later.
# A refused sender (530 authentication required, a bad MAIL FROM) is the configuration's trouble, not one message's.
CONNECTION_ERRORS = (OSError, smtplib.SMTPConnectError, smtplib.SMTPServerDisconnected,
                     smtplib.SMTPAuthenticationError, smtplib.SMTPSenderRefused)


@dataclass
class DeliveryReport:
    sent: list[tuple[str, str]] = field(default_factory=list)            # (address, subject)
    failed: list[tuple[str, str, str]] = field(default_factory=list)     # (address, subject, error)
    # Of `failed`, those that can never go out (not buildable, refused for good): marked failed at once.
    undeliverable: list[tuple[str, str, str]] = field(default_factory=list)
    superseded: int = 0

    @property
    def retrying(self) -> int:
        """Failures that will be tried again (the server was down or answered "try later")."""
        return len(self.failed) - len(self.undeliverable)


class Undeliverable(Exception):
    """This one message cannot go out, now or later: it could not be built, or the server refused it for good."""


def _is_permanent(exc: Exception) -> bool:
    """A refusal that retrying cannot change: a 5xx answer, SMTPUTF8 unsupported, or a message smtplib rejects."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _message in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPDataError):
        return exc.smtp_code >= 500
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return True
    return not isinstance(exc, (smtplib.SMTPException, OSError))


def due_filter(rules: ReminderRules, now: datetime):
    stale_before = now - timedelta(minutes=rules.claim_timeout_minutes)
    outbox = OutboxMessage
    return or_(and_(outbox.status == "pending", outbox.next_attempt_at <= now),
               and_(outbox.status == "sending", outbox.claimed_at < stale_before))


def backoff(rules: ReminderRules, attempts: int) -> timedelta:
    minutes = rules.retry_base_minutes * 2 ** max(attempts - 1, 0)
    return timedelta(minutes=min(minutes, rules.retry_max_minutes))


def _claim(session: Session, recipient_id: int, rules: ReminderRules, now: datetime) -> str | None:
    token = secrets.token_hex(16)
    with write_transaction(session):
        result = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.recipient_id == recipient_id, due_filter(rules, now))
            .values(status="sending", claim_token=token, claimed_at=now, attempts=OutboxMessage.attempts + 1)
            .execution_options(synchronize_session=False))
    return token if result.rowcount else None


def _finish(session: Session, token: str, ids: list[int], **values) -> None:
    with write_transaction(session):
        session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids), OutboxMessage.claim_token == token)
                        .values(**values).execution_options(synchronize_session=False))


def _fail(session: Session, token: str, rows, rules: ReminderRules, now: datetime, error: str,
          *, permanent: bool = False) -> None:
    with write_transaction(session):
        for row in rows:
            gave_up = permanent or row.attempts >= rules.max_attempts
            session.execute(
                update(OutboxMessage).where(OutboxMessage.id == row.id, OutboxMessage.claim_token == token)
                .values(status="failed" if gave_up else "pending", last_error=error[:1000], claim_token=None,
                        next_attempt_at=now + backoff(rules, row.attempts))
                .execution_options(synchronize_session=False))


def _latest_per_case(rows) -> tuple[list, list]:
    """Keep the latest occurrence of each (rule, case); older ones still waiting are superseded."""
    latest: dict[tuple, object] = {}
    for row in rows:
        key = (row.rule, row.case_kind, row.case_id)
        if key not in latest or (row.occurs_on, row.id) > (latest[key].occurs_on, latest[key].id):
            latest[key] = row
    keep = sorted(latest.values(), key=lambda r: (r.occurs_on, r.id))
    kept_ids = {r.id for r in keep}
    return keep, [r for r in rows if r.id not in kept_ids]


def deliver_due(session: Session, rules: ReminderRules, now: datetime, mailer: Mailer, *, base: str,
                echo: Callable[[str], None] = lambda _line: None) -> DeliveryReport:
    report = DeliveryReport()
    recipients = list(session.scalars(
        select(OutboxMessage.recipient_id).where(due_filter(rules, now)).distinct()))
    session.rollback()
    for recipient_id in recipients:
        token = _claim(session, recipient_id, rules, now)
        if token is None:
            continue  # another sender claimed them first
        # Plain rows, not ORM objects: they stay readable across the short transactions below.
        outbox = OutboxMessage.__table__
        rows = session.execute(select(outbox).where(outbox.c.claim_token == token)
                               .order_by(outbox.c.occurs_on, outbox.c.id)).all()
        user = session.execute(select(User.email, User.display_name, User.active, User.role,
                                      NotificationPreference.mail_enabled,
                                      NotificationPreference.delivery)
                               .outerjoin(NotificationPreference, NotificationPreference.user_id == User.id)
                               .where(User.id == recipient_id)).first()
        # What this recipient may read of marked cases, as it stands when the mail leaves (not when queued).
        lens = SecrecyLens(session, user).preload()
        session.rollback()
        keep, older = _latest_per_case(rows)
        if older:
            _finish(session, token, [r.id for r in older], status="superseded")
            report.superseded += len(older)
        if user is None or not user.active or not user.email or user.mail_enabled is False:
            _finish(session, token, [r.id for r in keep], status="skipped",
                    last_error="mottagaren kan inte längre nås med e-post")
            continue
        delivery = user.delivery or "immediate"
        groups = [keep] if delivery in ("daily", "weekly") else [[r] for r in keep]
        for group in groups:
            subject = (lens.mail_texts(group[0].case_kind, group[0].case_id, group[0].case_title, group[0].subject)[1]
                       if len(group) == 1 else f"{len(group)} påminnelser")
            try:
                message = _build(user, group, base, delivery, lens)
                mailer.send(message)
            except Exception as exc:  # noqa: BLE001 — one message's trouble must not stop the others
                error = f"{exc.__class__.__name__}: {exc}"
                permanent = isinstance(exc, Undeliverable) or _is_permanent(exc)
                log.warning("mail to user %s (outbox %s) %s: %s", recipient_id, [r.id for r in group],
                            "cannot be delivered, marked failed" if permanent else "failed, will retry", error)
                if not isinstance(exc, Undeliverable):
                    mailer.close()  # the SMTP dialogue may be half-way; the next message starts afresh
                _fail(session, token, group, rules, now, error, permanent=permanent)
                report.failed.append((user.email, subject, error))
                if permanent:
                    report.undeliverable.append((user.email, subject, error))
                elif isinstance(exc, CONNECTION_ERRORS):
                    # The server is unreachable: leave the rest for the next sweep (still pending).
                    rest = [r for g in groups[groups.index(group) + 1:] for r in g]
                    if rest:
                        _finish(session, token, [r.id for r in rest], status="pending", claim_token=None,
                                attempts=OutboxMessage.attempts - 1)
                    return report
                continue
            _finish(session, token, [r.id for r in group], status="sent", sent_at=now, last_error=None)
            report.sent.append((user.email, message["Subject"]))
            echo(f"Skickat till {user.email}: {message['Subject']}")
    return report


def _build(user, group, base: str, delivery: str, lens: SecrecyLens):
    """The message for one group of outbox rows; Undeliverable when it cannot be built from what is stored.

    A case marked secret since the row was queued is named by the notice (kfflow.services.secrecy)."""
    items = [MailItem(r.case_kind, r.case_id, *lens.mail_texts(r.case_kind, r.case_id, r.case_title, r.subject,
                                                               r.reason), r.anchor_date.isoformat())
             for r in group]
    try:
        return compose(user.email, user.display_name, items, base,
                       digest=delivery if delivery != "immediate" else None)
    except (ValueError, TypeError) as exc:
        raise Undeliverable(f"cannot build the message: {exc}") from exc
