"""Load and validate workflows/reminders.yaml: every error names the file, the rule and the bad value."""
from __future__ import annotations

import string
from dataclasses import dataclass, field
from functools import cached_property
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from kfflow.clock import LOCAL_TZ
from kfflow.errors import WorkflowDefinitionError
from kfflow.kinds import KINDS

REMINDERS_FILE = "reminders.yaml"
MEETING_ANCHOR = "steering_meeting"
# Per case kind with a due date: the anchor dates a rule may count from (its due date, the meeting dates).
ANCHORS = {kind.name: (kind.due.anchor, MEETING_ANCHOR, *(a.name for a in kind.anchors))
           for kind in KINDS.values() if kind.due}
RULE_KEYS = {"name", "case", "states", "anchor", "days_before", "days_after", "repeat_every_days",
             "recipients", "subject", "reason"}
TOP_KEYS = {"timezone", "digest", "delivery", "steering_meetings", "rules"}
PLACEHOLDERS = {"title", "date", "days"}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class Rule:
    name: str
    case_kind: str
    states: tuple[str, ...]
    anchor: str
    days_before: tuple[int, ...]
    days_after: tuple[int, ...]
    repeat_every_days: int | None
    recipients: tuple[str, ...]
    subject: str
    reason: str

    @cached_property
    def offsets(self) -> tuple[int, ...]:
        return tuple(sorted([-d for d in self.days_before] + list(self.days_after)))

    def latest_offset(self, days_since_anchor: int) -> int | None:
        """The latest occurrence (days relative to the anchor) due `days_since_anchor` days after it.

        Only the latest: a sweep after a long gap sends one reminder, not the ones it missed.
        A reminder *before* the anchor is no longer due once the anchor date has passed.
        """
        k = days_since_anchor
        best = None
        for o in self.offsets:
            if o <= k:
                best = o
        if self.repeat_every_days and self.days_after:
            last = max(self.days_after)
            if k > last:
                best = last + ((k - last) // self.repeat_every_days) * self.repeat_every_days
        if best is not None and best < 0 and k > 0:
            return None
        return best

    def anchor_window(self) -> tuple[int | None, int | None]:
        """(lo, hi) such that an anchor date A can have a due occurrence today T only if
        T - hi <= A <= T - lo, in days; None is unbounded."""
        lo = min(self.offsets)          # A <= T - lo
        hi = None if self.days_after else 0  # only-before rules: A >= T
        return lo, hi


@dataclass(frozen=True)
class ReminderRules:
    source_file: Path | None
    timezone: ZoneInfo
    digest_hour: int = 7
    digest_weekday: int = 0
    retry_base_minutes: int = 5
    retry_max_minutes: int = 360
    max_attempts: int = 12
    claim_timeout_minutes: int = 15
    steering_meetings: tuple[date, ...] = ()
    rules: tuple[Rule, ...] = field(default_factory=tuple)

    def for_case(self, kind: str) -> list[Rule]:
        return [r for r in self.rules if r.case_kind == kind]

    def get(self, name: str) -> Rule | None:
        return next((r for r in self.rules if r.name == name), None)


def _int_list(value) -> list | None:
    if value is None:
        return []
    values = value if isinstance(value, list) else [value]
    return values


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def _check_int(where: str, key: str, value: Any, errors: list[str], *, minimum: int) -> bool:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        errors.append(f"{where}: {key}: {value!r} is not a whole number ≥ {minimum}")
        return False
    return True


def _parse_rule(where: str, spec: Any, roles: set[str] | None, states_by_kind: dict[str, set[str]] | None,
                errors: list[str]) -> Rule | None:
    if not isinstance(spec, dict):
        errors.append(f"{where}: must be a mapping")
        return None
    before = len(errors)
    for key in sorted(set(spec) - RULE_KEYS):
        errors.append(f"{where}: unknown key {key!r}")
    name = spec.get("name")
    kind = spec.get("case")
    if kind not in ANCHORS:
        errors.append(f"{where}: case: {kind!r} is not one of {', '.join(ANCHORS)}")
        return None
    states = spec.get("states")
    if not isinstance(states, list) or not states:
        errors.append(f"{where}: states: {states!r} must be a non-empty list")
        states = []
    elif states_by_kind is not None and kind in states_by_kind:
        for s in states:
            if s not in states_by_kind[kind]:
                errors.append(f"{where}: states: {s!r} is not a state of the {kind} lifecycle")
    anchor = spec.get("anchor")
    if anchor not in ANCHORS[kind]:
        errors.append(f"{where}: anchor: {anchor!r} is not one of {', '.join(ANCHORS[kind])}")
    days_before = _int_list(spec.get("days_before"))
    days_after = _int_list(spec.get("days_after"))
    for key, values, minimum in (("days_before", days_before, 1), ("days_after", days_after, 0)):
        for v in values:
            _check_int(where, key, v, errors, minimum=minimum)
    if not days_before and not days_after:
        errors.append(f"{where}: needs days_before or days_after")
    repeat = spec.get("repeat_every_days")
    if repeat is not None:
        if _check_int(where, "repeat_every_days", repeat, errors, minimum=1) and not days_after:
            errors.append(f"{where}: repeat_every_days: {repeat!r} needs days_after to repeat from")
    recipients = spec.get("recipients")
    if not isinstance(recipients, list) or not recipients:
        errors.append(f"{where}: recipients: {recipients!r} must be a non-empty list")
        recipients = []
    for r in recipients:
        r = str(r)
        if r == "owner":
            continue
        prefix, _, value = r.partition(":")
        if prefix == "role" and value and (roles is None or value in roles):
            continue
        if prefix == "body" and value.strip():
            continue
        errors.append(f"{where}: recipients: {r!r} is not owner, role:<known role> or body:<name>")
    texts = {}
    for key in ("subject", "reason"):
        text = spec.get(key)
        if not isinstance(text, str) or not text.strip():
            errors.append(f"{where}: {key}: {text!r} must be a non-empty text")
            continue
        try:
            unknown = _placeholders(text) - PLACEHOLDERS
        except ValueError as exc:
            errors.append(f"{where}: {key}: {text!r} is not a valid template ({exc})")
            continue
        if unknown:
            errors.append(f"{where}: {key}: unknown placeholder(s) {', '.join(sorted(unknown))} "
                          f"(use {', '.join(sorted(PLACEHOLDERS))})")
        texts[key] = text
    if len(errors) > before:
        return None
    return Rule(name=name, case_kind=kind, states=tuple(states), anchor=anchor,
                days_before=tuple(sorted(set(days_before), reverse=True)), days_after=tuple(sorted(set(days_after))),
                repeat_every_days=repeat, recipients=tuple(str(r) for r in recipients),
                subject=texts["subject"], reason=texts["reason"])


def parse_reminder_rules(path: Path, data: Any, *, roles: set[str] | None = None,
                         states_by_kind: dict[str, set[str]] | None = None) -> ReminderRules:
    errors: list[str] = []
    fname = path.name
    if not isinstance(data, dict):
        raise WorkflowDefinitionError(f"{fname}: must be a mapping with a list 'rules'")
    if "transitions" in data:
        errors.append(f"{fname}: must not have 'transitions' (that makes it a lifecycle)")
    for key in sorted(set(data) - TOP_KEYS):
        errors.append(f"{fname}: unknown key {key!r}")
    tz_name = data.get("timezone", LOCAL_TZ.key)
    try:
        tz = ZoneInfo(str(tz_name))
    except (ZoneInfoNotFoundError, ValueError):
        errors.append(f"{fname}: timezone: {tz_name!r} is not a known time zone")
        tz = LOCAL_TZ
    digest = data.get("digest") or {}
    delivery = data.get("delivery") or {}
    settings: dict[str, int] = {}
    hour = digest.get("hour", 7) if isinstance(digest, dict) else None
    if _check_int(f"{fname}: digest", "hour", hour, errors, minimum=0):
        if hour > 23:
            errors.append(f"{fname}: digest: hour: {hour!r} must be 0–23")
        settings["digest_hour"] = hour
    weekday = str(digest.get("weekday", "monday")).lower() if isinstance(digest, dict) else None
    if weekday not in WEEKDAYS:
        errors.append(f"{fname}: digest: weekday: {weekday!r} is not one of {', '.join(WEEKDAYS)}")
    else:
        settings["digest_weekday"] = WEEKDAYS.index(weekday)
    if not isinstance(delivery, dict):
        errors.append(f"{fname}: delivery: must be a mapping")
        delivery = {}
    for key in ("retry_base_minutes", "retry_max_minutes", "max_attempts", "claim_timeout_minutes"):
        if key in delivery and _check_int(f"{fname}: delivery", key, delivery[key], errors, minimum=1):
            settings[key] = delivery[key]
    meetings = []
    for value in data.get("steering_meetings") or []:
        if isinstance(value, date):
            meetings.append(value)
        else:
            errors.append(f"{fname}: steering_meetings: {value!r} is not a date (YYYY-MM-DD)")
    rules: list[Rule] = []
    specs = data.get("rules")
    if not isinstance(specs, list):
        errors.append(f"{fname}: rules: must be a list")
        specs = []
    seen = set()
    for i, spec in enumerate(specs):
        name = spec.get("name") if isinstance(spec, dict) else None
        where = f"{fname}: rule {name}" if name else f"{fname}: rules[{i}]"
        if not isinstance(name, str) or not name.replace("_", "").isalnum() or not name[:1].isalpha():
            errors.append(f"{where}: name: {name!r} must be an identifier")
        elif name in seen:
            errors.append(f"{where}: name: {name!r} is used twice")
        seen.add(name)
        rule = _parse_rule(where, spec, roles, states_by_kind, errors)
        if rule is not None:
            rules.append(rule)
    if errors:
        raise WorkflowDefinitionError("\n".join(errors))
    return ReminderRules(source_file=path, timezone=tz, steering_meetings=tuple(sorted(meetings)),
                         rules=tuple(rules), **settings)


def load_reminder_rules(folder: Path | str, workflows=None) -> ReminderRules:
    """The rules in `folder`/reminders.yaml, checked against the loaded lifecycles when given.

    No file means no reminders (a deployment may not want them)."""
    path = Path(folder) / REMINDERS_FILE
    if not path.exists():
        return ReminderRules(source_file=None, timezone=LOCAL_TZ)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise WorkflowDefinitionError(f"{path.name}: cannot be read as YAML: {exc}") from None
    roles = states = None
    if workflows is not None:
        roles = set(workflows.roles)
        states = {}
        for name in workflows.names():
            states[name] = {s for (n, _v), wf in workflows.definitions.items() if n == name for s in wf.states}
    return parse_reminder_rules(path, data, roles=roles, states_by_kind=states)
