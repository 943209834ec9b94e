"""The lägesbild: measures per state (and per state × category, working group and strategic area), the status of
each running one, and what changed since the last steering meeting. The rules are workflows/lagesbild.yaml.

A fixed number of queries whatever the number of measures (bench_lagesbild.py counts them).
`as_of` is the day the status rule and the meeting window are evaluated at; states and due dates are today's
(a frozen snapshot, lagesbild_snapshots.py, keeps the numbers of an earlier day).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import Date, and_, case, false, func, literal, or_, select, true
from sqlalchemy.orm import Session

from kfflow.clock import LOCAL_TZ, local_today
from kfflow.db import add_days
from kfflow.errors import ValidationError
from kfflow.models import HistoryEntry, Indicator, Measure, Measurement, ProgressReport
from kfflow.services.lagesbild_rules import (LAGESBILD_FILE, LagesbildRules, StatusRule,  # noqa: F401
                                             lagesbild_rules, load_lagesbild_rules)
from kfflow.workflow import get_workflows
from kfflow.workflow.fields import check_text, parse_date

STATUSES = ("on_track", "at_risk", "late")
AT_RISK_REASONS = ("due_soon_unreported", "stale_indicator", "wrong_way_indicator")
BREAKDOWNS = {"by_category": Measure.category, "by_working_group": Measure.working_group,
              "by_strategic_area": Measure.strategic_area}
NONE_KEY = ""   # the breakdown key of measures without a category, working group or strategic area


@dataclass(frozen=True)
class LagesbildFilter:
    as_of: date
    working_group: str | None = None


@dataclass(frozen=True)
class SinceLastMeeting:
    meeting_date: date | None     # the latest steering meeting before as_of; None before the first one
    decided: int = 0
    implemented: int = 0
    evaluated: int = 0
    newly_late: int = 0           # due after the meeting day, past due by as_of
    due_dates_moved: int = 0


@dataclass(frozen=True)
class Lagesbild:
    as_of: date
    working_group: str | None
    counts: dict[str, int]                        # measures per state
    status: dict[str, int]                        # running measures per status (STATUSES)
    at_risk_reasons: dict[str, int]               # at-risk measures per first reason found (AT_RISK_REASONS)
    since_last_meeting: SinceLastMeeting
    by_category: dict[str, dict[str, int]] = field(default_factory=dict)        # value → state → n
    by_working_group: dict[str, dict[str, int]] = field(default_factory=dict)
    by_strategic_area: dict[str, dict[str, int]] = field(default_factory=dict)

    def as_data(self) -> dict:
        """JSON-ready: what a snapshot stores and the API answers."""
        data = asdict(self)
        data["as_of"] = self.as_of.isoformat()
        meeting = self.since_last_meeting.meeting_date
        data["since_last_meeting"]["meeting_date"] = meeting.isoformat() if meeting else None
        return data

    @classmethod
    def from_data(cls, data: dict) -> "Lagesbild":
        since = dict(data["since_last_meeting"])
        since["meeting_date"] = date.fromisoformat(since["meeting_date"]) if since["meeting_date"] else None
        return cls(**{**data, "as_of": date.fromisoformat(data["as_of"]),
                      "since_last_meeting": SinceLastMeeting(**since)})


def parse_filter(raw: dict, *, today: date | None = None) -> LagesbildFilter:
    """`as_of` (ÅÅÅÅ-MM-DD, today when blank) and `working_group` (a value of vocabularies.yaml) from a form
    or a query; ValidationError with a Swedish message per bad field."""
    errors: dict[str, str] = {}
    as_of = today or local_today()
    if (raw.get("as_of") or "").strip():
        try:
            as_of = parse_date(raw["as_of"])
        except ValueError as exc:
            errors["as_of"] = str(exc)
    group = None
    if (raw.get("working_group") or "").strip():
        try:
            group = check_text(raw["working_group"], multiline=False, max_length=120)
        except ValueError as exc:
            errors["working_group"] = str(exc)
        else:
            if group not in {o.value for o in get_workflows().vocabulary("working_groups")}:
                errors["working_group"] = f"Det finns ingen arbetsgrupp ”{group}”."
    if errors:
        raise ValidationError("Lägesbilden kan inte visas med de valen.", errors)
    return LagesbildFilter(as_of, group)


def _indicator_flags(rule: StatusRule, running, today: date):
    """Per running measure with indicators: `stale` (some indicator without a value within its frequency) and
    `wrong_way` (some indicator whose latest value is further from the target than the value it is compared
    with, in its direction), each 0 or 1; values after `today` do not count."""
    window = dict(partition_by=Measurement.indicator_id,
                  order_by=(Measurement.measured_on.desc(), Measurement.id.desc()))
    ranked = (select(Measurement.indicator_id, Measurement.value, Measurement.measured_on,
                     func.row_number().over(**window).label("rank"), func.lead(Measurement.value).over(**window)
                     .label("previous"))
              .join(Indicator, Indicator.id == Measurement.indicator_id)
              .where(Indicator.measure_id.in_(running), Measurement.measured_on <= today).subquery())
    latest = select(ranked).where(ranked.c.rank == 1).subquery()
    compared = (func.coalesce(latest.c.previous, Indicator.baseline) if rule.wrong_way_compared_to == "previous"
                else Indicator.baseline)
    moved_away = case((Indicator.direction == "lower", latest.c.value > compared), else_=latest.c.value < compared)
    last = func.coalesce(latest.c.measured_on, Indicator.baseline_date)
    return (select(Indicator.measure_id,
                   func.max(case((last < add_days(literal(today, Date), -Indicator.frequency_days), 1), else_=0))
                   .label("stale"),
                   func.max(case((and_(latest.c.value.is_not(None), moved_away), 1), else_=0)).label("wrong_way"))
            .outerjoin(latest, latest.c.indicator_id == Indicator.id)
            .where(Indicator.measure_id.in_(running)).group_by(Indicator.measure_id).subquery())


def _status_counts(session: Session, rule: StatusRule, applies_to, in_scope, today: date,
                   meeting: date | None) -> tuple[dict[str, int], dict[str, int], int]:
    """(measures per status, at-risk measures per first reason, newly late): one query, the rule as a CASE."""
    running = select(Measure.id).where(Measure.state.in_(applies_to), in_scope)
    reports = (select(ProgressReport.measure_id, func.max(ProgressReport.reported_on).label("last"))
               .where(ProgressReport.measure_id.in_(running), ProgressReport.reported_on <= today)
               .group_by(ProgressReport.measure_id).subquery())
    flags = _indicator_flags(rule, running, today)
    newly = Measure.due_date > meeting if meeting is not None else false()
    unreported = or_(reports.c.last.is_(None), reports.c.last < today - timedelta(days=rule.report_within_days))
    verdict = case(
        (and_(Measure.due_date < today, newly), "late:newly"),
        (Measure.due_date < today, "late"),
        (and_(Measure.due_date <= today + timedelta(days=rule.warning_days), unreported),
         "at_risk:due_soon_unreported"),
        (and_(true() if rule.stale_indicator_is_at_risk else false(), flags.c.stale == 1), "at_risk:stale_indicator"),
        (and_(true() if rule.wrong_way_indicator_is_at_risk else false(), flags.c.wrong_way == 1),
         "at_risk:wrong_way_indicator"),
        else_="on_track")
    status = dict.fromkeys(STATUSES, 0)
    reasons = dict.fromkeys(AT_RISK_REASONS, 0)
    newly_late = 0
    for found, n in session.execute(
            select(verdict, func.count(Measure.id)).select_from(Measure)
            .outerjoin(reports, reports.c.measure_id == Measure.id).outerjoin(flags, flags.c.measure_id == Measure.id)
            .where(Measure.state.in_(applies_to), in_scope).group_by(verdict)):
        name, _, reason = found.partition(":")
        status[name] += n
        if name == "at_risk":
            reasons[reason] += n
        elif reason == "newly":
            newly_late += n
    return status, reasons, newly_late


def last_meeting_before(meetings, as_of: date) -> date | None:
    return max((m for m in meetings if m < as_of), default=None)


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LOCAL_TZ)


def _since(session: Session, rules: LagesbildRules, scope, meeting: date | None, as_of: date,
           newly_late: int) -> SinceLastMeeting:
    if meeting is None:
        return SinceLastMeeting(None)
    workflow = get_workflows().current("measure")
    moved = [t.trigger for t in workflow.transitions
             if t.dest is None and any(f.name == "due_date" for f in t.fields)]

    def entered(tag: str):
        states = workflow.tagged(tag)
        return func.sum(case((and_(HistoryEntry.to_state.in_(states),
                                   or_(HistoryEntry.from_state.is_(None), HistoryEntry.from_state.not_in(states))),
                              1), else_=0))

    m = rules.since_last_meeting
    row = session.execute(
        select(entered(m.decided), entered(m.implemented), entered(m.evaluated),
               func.sum(case((HistoryEntry.trigger.in_(moved), 1), else_=0)))
        .where(HistoryEntry.case_kind == "measure",
               HistoryEntry.at >= _local_midnight(meeting + timedelta(days=1)),
               HistoryEntry.at < _local_midnight(as_of + timedelta(days=1)),
               HistoryEntry.case_id.in_(scope))).one()
    return SinceLastMeeting(
        meeting, decided=int(row[0] or 0), implemented=int(row[1] or 0), evaluated=int(row[2] or 0),
        newly_late=newly_late, due_dates_moved=int(row[3] or 0))


def steering_meetings() -> tuple[date, ...]:
    from kfflow.reminders.rules import load_reminder_rules

    workflows = get_workflows()
    if id(workflows) not in _MEETINGS:
        _MEETINGS[id(workflows)] = load_reminder_rules(workflows.path, workflows).steering_meetings
    return _MEETINGS[id(workflows)]


_MEETINGS: dict[int, tuple[date, ...]] = {}


def lagesbild(session: Session, *, as_of: date | None = None, working_group: str | None = None,
              meetings: tuple[date, ...] | None = None) -> Lagesbild:
    """The lägesbild at `as_of` (today when None), for one working group or all; three queries."""
    today = as_of or local_today()
    rules = lagesbild_rules()
    rule = rules.status
    applies_to = rule.applies_to.states(get_workflows().current("measure"))
    in_scope = (Measure.working_group == working_group) if working_group else true()
    scope = select(Measure.id).where(in_scope)

    counts: dict[str, int] = defaultdict(int)
    breakdowns = {name: defaultdict(lambda: defaultdict(int)) for name in BREAKDOWNS}
    for state, *keys, n in session.execute(
            select(Measure.state, *BREAKDOWNS.values(), func.count(Measure.id))
            .where(in_scope).group_by(Measure.state, *BREAKDOWNS.values())):
        counts[state] += n
        for name, key in zip(BREAKDOWNS, keys):
            breakdowns[name][key or NONE_KEY][state] += n

    meeting = last_meeting_before(steering_meetings() if meetings is None else meetings, today)
    status, reasons, newly_late = _status_counts(session, rule, applies_to, in_scope, today, meeting)
    since = _since(session, rules, scope, meeting, today, newly_late)
    return Lagesbild(today, working_group, dict(counts), status, reasons, since,
                     **{name: {k: dict(v) for k, v in b.items()} for name, b in breakdowns.items()})
