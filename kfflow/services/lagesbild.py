"""The lägesbild: how many measures are in each state, and the status of each running one (the rule is
workflows/lagesbild.yaml, not code)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kfflow.clock import local_today
from kfflow.errors import WorkflowDefinitionError
from kfflow.models import Indicator, Measure, Measurement, ProgressReport
from kfflow.workflow import get_workflows

LAGESBILD_FILE = "lagesbild.yaml"
STATUSES = ("on_track", "at_risk", "late")


class StatusRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    applies_to: tuple[str, ...]
    warning_days: int = Field(ge=0)
    report_within_days: int = Field(ge=1)
    stale_indicator_is_at_risk: bool = True


class LagesbildRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    status: StatusRule


def load_lagesbild_rules(folder: Path | str, workflows) -> LagesbildRules:
    """The rules in `folder`/lagesbild.yaml, checked against the measure lifecycle's states;
    WorkflowDefinitionError names the file and the bad key (`kfflow workflows check` shows it)."""
    path = Path(folder) / LAGESBILD_FILE
    try:
        rules = LagesbildRules.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError) as exc:
        raise WorkflowDefinitionError(f"{LAGESBILD_FILE}: {exc}") from None
    except PydanticError as exc:
        raise WorkflowDefinitionError("\n".join(
            f"{LAGESBILD_FILE}: {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())) from None
    unknown = [s for s in rules.status.applies_to if s not in workflows.current("measure").states]
    if unknown:
        raise WorkflowDefinitionError(f"{LAGESBILD_FILE}: status.applies_to: no measure state {', '.join(unknown)}")
    return rules


_LOADED: dict[int, LagesbildRules] = {}  # per loaded set of lifecycles (id of the set)


def lagesbild_rules() -> LagesbildRules:
    """The rules beside the loaded lifecycles, read once per loaded set."""
    workflows = get_workflows()
    if id(workflows) not in _LOADED:
        _LOADED[id(workflows)] = load_lagesbild_rules(workflows.path, workflows)
    return _LOADED[id(workflows)]


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
