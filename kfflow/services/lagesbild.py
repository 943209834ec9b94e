"""The lägesbild: how many measures are in each state, and the status of each running one (the rule is
workflows/lagesbild.yaml, not code)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from pydantic import Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kfflow.clock import local_today
from kfflow.models import Indicator, Measure, Measurement, ProgressReport
from kfflow.workflow.rule_files import StrictRules, cached_per_workflows, check_measure_states, read_rule_file

LAGESBILD_FILE = "lagesbild.yaml"
STATUSES = ("on_track", "at_risk", "late")


class StatusRule(StrictRules):
    applies_to: tuple[str, ...]
    warning_days: int = Field(ge=0)
    report_within_days: int = Field(ge=1)
    stale_indicator_is_at_risk: bool = True


class LagesbildRules(StrictRules):
    status: StatusRule


def load_lagesbild_rules(folder: Path | str, workflows) -> LagesbildRules:
    """The rules in `folder`/lagesbild.yaml, checked against the measure lifecycle's states;
    WorkflowDefinitionError names the file and the bad key (`kfflow workflows check` shows it)."""
    rules = read_rule_file(folder, LAGESBILD_FILE, LagesbildRules)
    check_measure_states(LAGESBILD_FILE, "status.applies_to", rules.status.applies_to, workflows)
    return rules


lagesbild_rules = cached_per_workflows(load_lagesbild_rules)  # () -> LagesbildRules beside the loaded lifecycles


@dataclass(frozen=True)
class Lagesbild:
    as_of: date
    counts: dict[str, int]    # measures per state
    status: dict[str, int]    # running measures per status (STATUSES)


def measure_status(rule: StatusRule, today: date, due_date: date | None, last_report: date | None,
                   stale_indicator: bool) -> str:
    """One measure's status under the rule."""
    if due_date is not None and due_date < today:
        return "late"
    reported = last_report is not None and last_report >= today - timedelta(days=rule.report_within_days)
    if due_date is not None and due_date <= today + timedelta(days=rule.warning_days) and not reported:
        return "at_risk"
    if rule.stale_indicator_is_at_risk and stale_indicator:
        return "at_risk"
    return "on_track"


def lagesbild(session: Session, *, as_of: date | None = None) -> Lagesbild:
    """Counts per state and statuses, in four queries whatever the number of measures."""
    today = as_of or local_today()
    rule = lagesbild_rules().status
    counts = dict(session.execute(select(Measure.state, func.count(Measure.id)).group_by(Measure.state)).all())
    running = select(Measure.id).where(Measure.state.in_(rule.applies_to))
    last_reports = dict(session.execute(
        select(ProgressReport.measure_id, func.max(ProgressReport.reported_on))
        .where(ProgressReport.measure_id.in_(running)).group_by(ProgressReport.measure_id)).all())
    last_value = (select(Indicator.measure_id, Indicator.frequency_days,
                         func.coalesce(func.max(Measurement.measured_on), Indicator.baseline_date).label("last"))
                  .outerjoin(Measurement, Measurement.indicator_id == Indicator.id)
                  .where(Indicator.measure_id.in_(running))
                  .group_by(Indicator.id, Indicator.measure_id, Indicator.frequency_days, Indicator.baseline_date))
    stale = {measure_id for measure_id, days, last in session.execute(last_value)
             if (today - last).days > days}
    status = dict.fromkeys(STATUSES, 0)
    for measure_id, due_date in session.execute(select(Measure.id, Measure.due_date)
                                                .where(Measure.state.in_(rule.applies_to))):
        status[measure_status(rule, today, due_date, last_reports.get(measure_id), measure_id in stale)] += 1
    return Lagesbild(today, counts, status)
