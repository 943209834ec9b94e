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

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from kfflow.clock import LOCAL_TZ, local_today
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


def wrong_way(direction: str, latest: float, compared: float) -> bool:
    """Whether `latest` moved away from the target compared with `compared` (lower or higher is better)."""
    return latest > compared if direction == "lower" else latest < compared


def measure_status(rule: StatusRule, today: date, due_date: date | None, last_report: date | None,
                   stale_indicator: bool, wrong_way_indicator: bool = False) -> tuple[str, str | None]:
    """One measure's status under the rule, and for at_risk the first reason (AT_RISK_REASONS)."""
    if due_date is not None and due_date < today:
        return "late", None
    reported = last_report is not None and last_report >= today - timedelta(days=rule.report_within_days)
    if due_date is not None and due_date <= today + timedelta(days=rule.warning_days) and not reported:
        return "at_risk", "due_soon_unreported"
    if rule.stale_indicator_is_at_risk and stale_indicator:
        return "at_risk", "stale_indicator"
    if rule.wrong_way_indicator_is_at_risk and wrong_way_indicator:
        return "at_risk", "wrong_way_indicator"
    return "on_track", None


def _indicator_flags(session: Session, rule: StatusRule, running, today: date) -> tuple[set[int], set[int]]:
    """(measures with a stale indicator, measures with an indicator moving the wrong way): one query over each
    indicator's latest two values up to `today`."""
    ranked = (select(Measurement.indicator_id, Measurement.value, Measurement.measured_on,
                     func.row_number().over(partition_by=Measurement.indicator_id,
                                            order_by=(Measurement.measured_on.desc(), Measurement.id.desc()))
                     .label("rank"))
              .join(Indicator, Indicator.id == Measurement.indicator_id)
              .where(Indicator.measure_id.in_(running), Measurement.measured_on <= today).subquery())
    rows = session.execute(
        select(Indicator.id, Indicator.measure_id, Indicator.direction, Indicator.baseline, Indicator.baseline_date,
               Indicator.frequency_days, ranked.c.value, ranked.c.measured_on)
        .outerjoin(ranked, and_(ranked.c.indicator_id == Indicator.id, ranked.c.rank <= 2))
        .where(Indicator.measure_id.in_(running))
        .order_by(Indicator.id, ranked.c.rank))
    values: dict[int, list] = defaultdict(list)
    meta = {}
    for ind_id, measure_id, direction, baseline, baseline_date, frequency, value, measured_on in rows:
        meta[ind_id] = (measure_id, direction, baseline, baseline_date, frequency)
        if value is not None:
            values[ind_id].append((value, measured_on))
    stale, wrong = set(), set()
    for ind_id, (measure_id, direction, baseline, baseline_date, frequency) in meta.items():
        latest = values[ind_id]
        last_date = latest[0][1] if latest else baseline_date
        if (today - last_date).days > frequency:
            stale.add(measure_id)
        if latest:
            compared = latest[1][0] if rule.wrong_way_compared_to == "previous" and len(latest) > 1 else baseline
            if wrong_way(direction, latest[0][0], compared):
                wrong.add(measure_id)
    return stale, wrong


def last_meeting_before(meetings, as_of: date) -> date | None:
    return max((m for m in meetings if m < as_of), default=None)


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LOCAL_TZ)


def _since(session: Session, rules: LagesbildRules, scope, meeting: date | None, as_of: date,
           running_due: list[date | None]) -> SinceLastMeeting:
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
    newly_late = sum(1 for due in running_due if due is not None and meeting < due < as_of)
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
    """The lägesbild at `as_of` (today when None), for one working group or all; five queries."""
    today = as_of or local_today()
    rules = lagesbild_rules()
    rule = rules.status
    applies_to = rule.applies_to.states(get_workflows().current("measure"))
    in_scope = (Measure.working_group == working_group) if working_group else True
    scope = select(Measure.id).where(in_scope)
    running = select(Measure.id).where(Measure.state.in_(applies_to), in_scope)

    counts: dict[str, int] = defaultdict(int)
    breakdowns = {name: defaultdict(lambda: defaultdict(int)) for name in BREAKDOWNS}
    for state, *keys, n in session.execute(
            select(Measure.state, *BREAKDOWNS.values(), func.count(Measure.id))
            .where(in_scope).group_by(Measure.state, *BREAKDOWNS.values())):
        counts[state] += n
        for name, key in zip(BREAKDOWNS, keys):
            breakdowns[name][key or NONE_KEY][state] += n

    last_reports = dict(session.execute(
        select(ProgressReport.measure_id, func.max(ProgressReport.reported_on))
        .where(ProgressReport.measure_id.in_(running), ProgressReport.reported_on <= today)
        .group_by(ProgressReport.measure_id)).all())
    stale, wrong = _indicator_flags(session, rule, running, today)
    status = dict.fromkeys(STATUSES, 0)
    reasons = dict.fromkeys(AT_RISK_REASONS, 0)
    running_due = []
    for measure_id, due_date in session.execute(select(Measure.id, Measure.due_date)
                                                .where(Measure.state.in_(applies_to), in_scope)):
        running_due.append(due_date)
        found, reason = measure_status(rule, today, due_date, last_reports.get(measure_id), measure_id in stale,
                                       measure_id in wrong)
        status[found] += 1
        if reason:
            reasons[reason] += 1
    meeting = last_meeting_before(steering_meetings() if meetings is None else meetings, today)
    since = _since(session, rules, scope, meeting, today, running_due)
    return Lagesbild(today, working_group, dict(counts), status, reasons, since,
                     **{name: {k: dict(v) for k, v in b.items()} for name, b in breakdowns.items()})
