"""The sweep: decide which reminders are due now and put each into the outbox exactly once.

Cases are read with one streamed query per case kind (never all loaded at once); for each row every
rule of that kind computes its latest due occurrence in Python. Rows go into the outbox and the
notification table with INSERT … ON CONFLICT DO NOTHING, so concurrent sweeps cannot duplicate a key.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Connection, and_, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from kfflow.models import Audit, Body, Measure, Notification, NotificationPreference, OutboxMessage, Recommendation, User
from kfflow.reminders.clock import local_today, next_digest_slot
from kfflow.reminders.rules import MEETING_ANCHOR, ReminderRules, Rule

BATCH = 2000
OUTBOX_KEY = ("rule", "case_kind", "case_id", "occurrence", "recipient_id")
NOTIFICATION_KEY = ("rule", "case_kind", "case_id", "occurrence", "user_id")
CASE_LABEL = {"measure": "åtgärden", "recommendation": "rekommendationen"}


@dataclass(frozen=True)
class Recipient:
    id: int
    email: str | None
    mail_enabled: bool
    delivery: str


@dataclass
class Audience:
    """Who can receive anything, read once per sweep (users are few; cases are many)."""

    users: dict[int, Recipient]
    by_role: dict[str, list[int]]
    by_body: dict[str, list[int]]
    role_labels: dict[str, str]

    @classmethod
    def load(cls, conn: Connection, role_labels: dict[str, str]) -> "Audience":
        prefs = {row.user_id: row for row in conn.execute(
            select(NotificationPreference.user_id, NotificationPreference.mail_enabled,
                   NotificationPreference.delivery))}
        users, by_role, by_body = {}, {}, {}
        rows = conn.execute(select(User.id, User.email, User.role, Body.name.label("body"))
                            .outerjoin(Body, Body.id == User.body_id).where(User.active.is_(True)))
        for row in rows:
            pref = prefs.get(row.id)
            users[row.id] = Recipient(row.id, row.email, pref.mail_enabled if pref else True,
                                      pref.delivery if pref else "immediate")
            by_role.setdefault(row.role, []).append(row.id)
            if row.body:
                by_body.setdefault(row.body, []).append(row.id)
        return cls(users, by_role, by_body, role_labels)

    def resolve(self, spec: str, owner_id: int | None) -> tuple[list[int], str]:
        """User ids for one recipient spec, and why they get the message (Swedish)."""
        if spec == "owner":
            return ([owner_id] if owner_id in self.users else []), "Du får meddelandet eftersom du är ansvarig."
        prefix, _, value = spec.partition(":")
        if prefix == "role":
            label = self.role_labels.get(value, value)
            return self.by_role.get(value, []), f"Du får meddelandet eftersom du har rollen {label}."
        return self.by_body.get(value, []), f"Du får meddelandet eftersom du tillhör {value}."


@dataclass
class Due:
    """One reminder due now for one recipient: an outbox row (if mail) and a notification."""

    rule: str
    case_kind: str
    case_id: int
    occurrence: str
    occurs_on: date
    recipient: Recipient
    subject: str
    reason: str
    case_title: str
    anchor_date: date

    @property
    def key(self) -> tuple:
        return (self.rule, self.case_kind, self.case_id, self.occurrence, self.recipient.id)

    @property
    def mails(self) -> bool:
        return self.recipient.mail_enabled and bool(self.recipient.email)


def _case_query(kind: str):
    if kind == "measure":
        return (select(Measure.id, Measure.state, Measure.owner_id, Measure.title.label("title"),
                       Measure.due_date.label("anchor")), Measure, Measure.due_date)
    return (select(Recommendation.id, Recommendation.state, Recommendation.owner_id, Recommendation.number,
                   Audit.name.label("audit_name"), Audit.number.label("audit_number"),
                   Audit.response_due.label("anchor")).join(Audit, Audit.id == Recommendation.audit_id),
            Recommendation, Audit.response_due)


def _title(kind: str, row) -> str:
    if kind == "measure":
        return row.title
    return f"rekommendation {row.number} i {row.audit_name} {row.audit_number}"


def meeting_occurrence(rule: Rule, meetings: tuple[date, ...], today: date) -> tuple[int, date] | None:
    """The latest due (offset, meeting date) of a meeting-anchored rule; the same for every case."""
    best = None
    for meeting in meetings:
        offset = rule.latest_offset((today - meeting).days)
        if offset is not None:
            occurs = meeting + timedelta(days=offset)
            if best is None or occurs >= best[1] + timedelta(days=best[0]):
                best = (offset, meeting)
    return best


def plan_due(conn: Connection, rules: ReminderRules, now: datetime, audience: Audience) -> Iterator[list[Due]]:
    """Batches of reminders due at `now`, streamed case by case (ordered by case id)."""
    today = local_today(now, rules.timezone)
    today_ord = today.toordinal()
    for kind in ("measure", "recommendation"):
        kind_rules = rules.for_case(kind)
        if not kind_rules:
            continue
        query, model, anchor_col = _case_query(kind)
        conditions, date_rules, meeting_rules = [], [], []
        for rule in kind_rules:
            in_states = model.state.in_(rule.states)
            if rule.anchor == MEETING_ANCHOR:
                occ = meeting_occurrence(rule, rules.steering_meetings, today)
                if occ is not None:
                    meeting_rules.append((rule, occ))
                    conditions.append(in_states)
                continue
            date_rules.append(rule)
            lo, hi = rule.anchor_window()
            cond = [in_states, anchor_col.is_not(None), anchor_col <= today - timedelta(days=lo)]
            if hi is not None:
                cond.append(anchor_col >= today - timedelta(days=hi))
            conditions.append(and_(*cond))
        if not conditions:
            continue
        stmt = query.where(or_(*conditions)).order_by(model.id)
        batch: list[Due] = []
        for row in conn.execute(stmt, execution_options={"yield_per": BATCH}):
            title = None
            for rule in date_rules:
                if row.anchor is None or row.state not in rule.states:
                    continue
                days = today_ord - row.anchor.toordinal()
                offset = rule.latest_offset(days)
                if offset is None:
                    continue
                title = title or _title(kind, row)
                _add(batch, audience, rule, kind, row, title, row.anchor, offset, abs(days))
            for rule, (offset, meeting) in meeting_rules:
                if row.state in rule.states:
                    title = title or _title(kind, row)
                    _add(batch, audience, rule, kind, row, title, meeting, offset,
                         abs(today_ord - meeting.toordinal()))
            if len(batch) >= BATCH:
                yield batch
                batch = []
        if batch:
            yield batch


def _add(batch: list[Due], audience: Audience, rule: Rule, kind: str, row, title: str, anchor: date,
         offset: int, days: int) -> None:
    occurrence = f"{rule.anchor}={anchor.isoformat()};day={offset:+d}"
    occurs_on = anchor + timedelta(days=offset)
    values = {"title": title, "date": anchor.isoformat(), "days": days}
    subject = rule.subject.format_map(values)
    seen = set()
    for spec in rule.recipients:
        ids, why = audience.resolve(spec, row.owner_id)
        for uid in ids:
            if uid in seen:
                continue
            seen.add(uid)
            batch.append(Due(rule.name, kind, row.id, occurrence, occurs_on, audience.users[uid], subject,
                             f"{rule.reason.format_map(values)} {why}", title, anchor))


def _insert(conn: Connection, table, key: tuple[str, ...]):
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing(index_elements=list(key))


def store_due(conn: Connection, batch: list[Due], rules: ReminderRules, now: datetime) -> None:
    """Outbox rows and notifications for one batch; rows that exist already are left alone."""
    slots = {}
    for mode, weekday in (("daily", None), ("weekly", rules.digest_weekday)):
        slots[mode] = next_digest_slot(now, rules.timezone, hour=rules.digest_hour, weekday=weekday)
    outbox = [{
        "rule": d.rule, "case_kind": d.case_kind, "case_id": d.case_id, "occurrence": d.occurrence,
        "occurs_on": d.occurs_on, "recipient_id": d.recipient.id, "status": "pending", "attempts": 0,
        "next_attempt_at": slots.get(d.recipient.delivery, now), "subject": d.subject, "reason": d.reason,
        "case_title": d.case_title, "anchor_date": d.anchor_date, "created_at": now,
    } for d in batch if d.mails]
    notes = [{
        "rule": d.rule, "case_kind": d.case_kind, "case_id": d.case_id, "occurrence": d.occurrence,
        "occurs_on": d.occurs_on, "user_id": d.recipient.id, "message": f"{d.subject}. {d.reason}",
        "created_at": now,
    } for d in batch]
    if outbox:
        conn.execute(_insert(conn, OutboxMessage.__table__, OUTBOX_KEY), outbox)
    if notes:
        conn.execute(_insert(conn, Notification.__table__, NOTIFICATION_KEY), notes)


def not_yet_in_outbox(conn: Connection, batch: list[Due]) -> list[Due]:
    """For a dry run: the mails of this batch that no earlier sweep has put in the outbox."""
    mails = [d for d in batch if d.mails]
    if not mails:
        return []
    existing = set()
    ids_by_kind: dict[str, set[int]] = {}
    for d in mails:
        ids_by_kind.setdefault(d.case_kind, set()).add(d.case_id)
    for kind, ids in ids_by_kind.items():
        cols = [getattr(OutboxMessage, c) for c in OUTBOX_KEY]
        rows = conn.execute(select(*cols).where(OutboxMessage.case_kind == kind,
                                                OutboxMessage.case_id.in_(sorted(ids))))
        existing.update(tuple(r) for r in rows)
    return [d for d in mails if d.key not in existing]


