"""The sweep: decide which reminders are due now and put each into the outbox exactly once.

Cases are read with one streamed query per case kind (never all loaded at once); for each row every
rule of that kind computes its latest due occurrence in Python, giving a compact `Decision` per
(rule, case). Only when storing (or printing a dry run) is a decision expanded into one reminder per
recipient with its Swedish text. Rows go into the outbox and the notification table with
INSERT … ON CONFLICT DO NOTHING, so concurrent sweeps cannot duplicate a key.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import NamedTuple
from datetime import date, datetime, timedelta
from operator import itemgetter

from sqlalchemy import Connection, and_, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from kfflow.kinds import KINDS, CaseKind
from kfflow.models import Body, Notification, NotificationPreference, OutboxMessage, User
from kfflow.clock import local_today
from kfflow.reminders.clock import next_digest_slot
from kfflow.reminders.rules import MEETING_ANCHOR, ReminderRules, Rule

BATCH = 2000
OUTBOX_KEY = ("rule", "case_kind", "case_id", "occurrence", "recipient_id")
NOTIFICATION_KEY = ("rule", "case_kind", "case_id", "occurrence", "user_id")
OWNER_WHY = "Du får meddelandet eftersom du är ansvarig."


@dataclass(frozen=True, slots=True)
class Recipient:
    id: int
    email: str | None
    mail_enabled: bool
    delivery: str

    @property
    def mails(self) -> bool:
        return self.mail_enabled and bool(self.email)


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

    def fixed(self, spec: str) -> tuple[list[int], str]:
        """User ids of a role or body recipient spec, and why they get the message (Swedish)."""
        prefix, _, value = spec.partition(":")
        if prefix == "role":
            label = self.role_labels.get(value, value)
            return self.by_role.get(value, []), f"Du får meddelandet eftersom du har rollen {label}."
        return self.by_body.get(value, []), f"Du får meddelandet eftersom du tillhör {value}."


class RecipientPlan:
    """A rule's recipients resolved once per sweep: the case owner is the only per-case part."""

    def __init__(self, rule: Rule, audience: Audience):
        self.audience = audience
        self.with_owner = "owner" in rule.recipients
        self.fixed: list[tuple[int, str]] = []
        for spec in rule.recipients:
            if spec != "owner":
                ids, why = audience.fixed(spec)
                self.fixed += [(uid, why) for uid in ids if uid not in {u for u, _ in self.fixed}]
        self.fixed_mails = sum(1 for uid, _ in self.fixed if audience.users[uid].mails)
        self._counts: dict[int | None, tuple[int, int]] = {}

    def counts(self, owner_id: int | None) -> tuple[int, int]:
        """(mails, recipients) for a case with this owner; cached, owners are few."""
        got = self._counts.get(owner_id)
        if got is None:
            got = self._counts[owner_id] = (self.mail_count(owner_id), len(self.for_case(owner_id)))
        return got

    def for_case(self, owner_id: int | None) -> list[tuple[Recipient, str]]:
        out = []
        if self.with_owner and owner_id in self.audience.users:
            out.append((self.audience.users[owner_id], OWNER_WHY))
        out += [(self.audience.users[uid], why) for uid, why in self.fixed if uid != owner_id or not self.with_owner]
        return out

    def mail_count(self, owner_id: int | None) -> int:
        owner = self.audience.users.get(owner_id) if self.with_owner else None
        extra = 0
        if owner is not None:
            extra = int(owner.mails) - int(any(uid == owner_id for uid, _ in self.fixed) and owner.mails)
        return self.fixed_mails + extra


class RuleEntry:
    """A rule as one sweep applies it to one case kind. Hashed by identity: counting groups by it."""

    __slots__ = ("rule", "plan", "kind", "states")

    def __init__(self, rule: Rule, plan: RecipientPlan, kind: CaseKind, states: frozenset[str]):
        self.rule, self.plan, self.kind, self.states = rule, plan, kind, states


class Decision(NamedTuple):
    """One occurrence of one rule due now for one case, before it is expanded into recipients.

    A named tuple rather than a dataclass: a sweep makes one per (rule, case) in its hot loop.
    `row` is the case's row from its kind's `case_rows` (id, state, owner_id, due date, title columns…, the
    further anchors the sweep reads…); `anchor` is the date this rule counted from."""

    entry: RuleEntry
    row: tuple
    anchor: date
    offset: int
    days: int
    owner_id: int | None

    rule = property(lambda self: self.entry.rule)
    plan = property(lambda self: self.entry.plan)
    case_kind = property(lambda self: self.entry.kind.name)
    case_id = property(lambda self: self.row[0])

    @property
    def title(self) -> str:
        return self.entry.kind.title_from(self.row[4:])

    @property
    def occurrence(self) -> str:
        # The anchor date is part of the key: a revised due date yields new reminders.
        return f"{self.rule.anchor}={self.anchor.isoformat()};day={self.offset:+d}"


@dataclass(slots=True)
class Due:
    """One reminder for one recipient: an outbox row (if mail) and a notification."""

    decision: Decision
    occurrence: str
    recipient: Recipient
    subject: str
    reason: str


def expand(decision: Decision) -> list[Due]:
    values = {"title": decision.title, "date": decision.anchor.isoformat(), "days": decision.days}
    subject = decision.rule.subject.format_map(values)
    reason = decision.rule.reason.format_map(values)
    occurrence = decision.occurrence
    return [Due(decision, occurrence, recipient, subject, f"{reason} {why}")
            for recipient, why in decision.plan.for_case(decision.owner_id)]


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


def _hits(entries: list[RuleEntry], days: int) -> tuple[tuple[RuleEntry, int], ...]:
    hits = []
    for entry in entries:
        offset = entry.rule.latest_offset(days)
        if offset is not None:
            hits.append((entry, offset))
    return tuple(hits)


new_decision = tuple.__new__   # builds a Decision without the Python-level __new__ of a named tuple




def plan_due(conn: Connection, rules: ReminderRules, now: datetime, audience: Audience) -> Iterator[list[Decision]]:
    """Batches of decisions due at `now`, streamed case by case (ordered by case id)."""
    today = local_today(now, rules.timezone)
    today_ord = today.toordinal()
    for kind in KINDS.values():
        kind_rules = rules.for_case(kind.name)
        if not kind_rules or kind.due is None:
            continue
        # Further anchors are read only when a rule counts from them (each is a subquery per case).
        extras = tuple(a for a in kind.anchors if any(rule.anchor == a.name for rule in kind_rules))
        query, model = kind.case_rows(extras), kind.model
        # Where each anchor sits in a row of `case_rows(extras)`, and its SQL expression.
        anchor_at = {kind.due.anchor: (3, kind.due.column)}
        for i, extra in enumerate(extras):
            anchor_at[extra.name] = (4 + len(kind.title_columns) + i, extra.column)
        conditions, date_rules, meeting_rules = [], [], []
        for rule in kind_rules:
            in_states = model.state.in_(rule.states)
            entry = RuleEntry(rule, RecipientPlan(rule, audience), kind, frozenset(rule.states))
            if rule.anchor == MEETING_ANCHOR:
                occ = meeting_occurrence(rule, rules.steering_meetings, today)
                if occ is not None:
                    meeting_rules.append((entry, occ))
                    conditions.append(in_states)
                continue
            date_rules.append(entry)
            anchor_col = anchor_at[rule.anchor][1]
            lo, hi = rule.anchor_window()
            cond = [in_states, anchor_col.is_not(None), anchor_col <= today - timedelta(days=lo)]
            if hi is not None:
                cond.append(anchor_col >= today - timedelta(days=hi))
            conditions.append(and_(*cond))
        if not conditions:
            continue
        # Rules that share their anchor and states form a group with one memo: days since the anchor → the
        # (rule, offset) pairs due. Cases share few distinct due dates, so a row costs one dict lookup.
        groups: dict[tuple[int, frozenset], list[RuleEntry]] = {}
        for entry in date_rules:
            groups.setdefault((anchor_at[entry.rule.anchor][0], entry.states), []).append(entry)
        date_groups = [(at, states, entries, {}) for (at, states), entries in groups.items()]
        stmt = query.where(or_(*conditions)).order_by(model.id)
        batch: list[Decision] = []
        add = batch.append
        for row in conn.execute(stmt, execution_options={"yield_per": BATCH}):
            state, owner_id = row[1], row[2]
            for at, states, entries, memo in date_groups:
                anchor = row[at]
                if anchor is not None and state in states:
                    days = today_ord - anchor.toordinal()
                    distance = days if days >= 0 else -days
                    hits = memo.get(days)
                    if hits is None:
                        hits = memo[days] = _hits(entries, days)
                    for entry, offset in hits:
                        add(new_decision(Decision, (entry, row, anchor, offset, distance, owner_id)))
            for entry, (offset, meeting) in meeting_rules:
                if state in entry.states:
                    add(Decision(entry, row, meeting, offset, abs(today_ord - meeting.toordinal()), owner_id))
            if len(batch) >= BATCH:
                yield batch
                batch = []
                add = batch.append
        if batch:
            yield batch


def _insert(conn: Connection, table, key: tuple[str, ...]):
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing(index_elements=list(key))


def store_due(conn: Connection, batch: list[Decision], rules: ReminderRules, now: datetime) -> int:
    """Outbox rows and notifications for one batch; rows that exist already are left alone."""
    slots = {mode: next_digest_slot(now, rules.timezone, hour=rules.digest_hour, weekday=weekday)
             for mode, weekday in (("daily", None), ("weekly", rules.digest_weekday))}
    outbox, notes = [], []
    for decision in batch:
        for due in expand(decision):
            base = {"rule": decision.rule.name, "case_kind": decision.case_kind, "case_id": decision.case_id,
                    "occurrence": due.occurrence, "occurs_on": decision.anchor + timedelta(days=decision.offset),
                    "created_at": now}
            notes.append({**base, "user_id": due.recipient.id, "message": f"{due.subject}. {due.reason}"})
            if due.recipient.mails:
                outbox.append({**base, "recipient_id": due.recipient.id, "status": "pending", "attempts": 0,
                               "next_attempt_at": slots.get(due.recipient.delivery, now), "subject": due.subject,
                               "reason": due.reason, "case_title": decision.title, "anchor_date": decision.anchor})
    if outbox:
        conn.execute(_insert(conn, OutboxMessage.__table__, OUTBOX_KEY), outbox)
    if notes:
        conn.execute(_insert(conn, Notification.__table__, NOTIFICATION_KEY), notes)
    return len(notes)


class QueuedKeys:
    """Outbox keys of one case kind, streamed in case-id order beside the (also ordered) decisions.

    A dry run thus leaves out what earlier sweeps queued with one extra query, holding one batch of keys."""

    def __init__(self, conn: Connection, kind: str):
        outbox = OutboxMessage
        self._result = conn.execute(
            select(outbox.case_id, outbox.rule, outbox.occurrence, outbox.recipient_id)
            .where(outbox.case_kind == kind).order_by(outbox.case_id), execution_options={"yield_per": BATCH})
        self._rows = iter(self._result)
        self._next = next(self._rows, None)

    def up_to(self, case_id: int) -> set[tuple]:
        keys = set()
        while self._next is not None and self._next[0] <= case_id:
            keys.add(tuple(self._next))
            self._next = next(self._rows, None)
        return keys

    def close(self) -> None:
        self._result.close()


_ENTRY_AND_OWNER = itemgetter(0, 5)


def dry_run_batch(batch: list[Decision], queued: set[tuple], echo: Callable[[str], None] | None) -> tuple[int, int]:
    """For a dry run: (mails a real sweep would queue now, reminders found), printing the mails if `echo`.

    `queued` holds the (case_id, rule, occurrence, recipient_id) keys earlier sweeps put in the outbox."""
    if not queued and echo is None:
        # Nothing queued yet for these cases: count without rendering a single text.
        mails = found = 0
        for (entry, owner_id), n in Counter(map(_ENTRY_AND_OWNER, batch)).items():
            m, f = entry.plan.counts(owner_id)
            mails += m * n
            found += f * n
        return mails, found
    mails = found = 0
    for decision in batch:
        for due in expand(decision):
            found += 1
            if due.recipient.mails and (decision.case_id, decision.rule.name, due.occurrence,
                                        due.recipient.id) not in queued:
                mails += 1
                if echo is not None:
                    echo(f"Skulle skicka till {due.recipient.email}: {due.subject}")
    return mails, found
