"""The lägesbild's rules as declared in workflows/lagesbild.yaml: which measures get a status (by state tags),
when one is at risk, and which moves count as "decided / implemented / evaluated since the last meeting"."""
from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator

from kfflow.errors import WorkflowDefinitionError
from kfflow.workflow.definition import TAGS
from kfflow.workflow.rule_files import StrictRules, cached_per_workflows, read_rule_file

LAGESBILD_FILE = "lagesbild.yaml"


_Strict = StrictRules


class TagSelector(_Strict):
    """`{tag: reportable}` or `{tag: [reportable, can_be_late]}`: the states carrying every listed tag."""
    tag: tuple[str, ...]

    @field_validator("tag", mode="before")
    @classmethod
    def _one_or_many(cls, value):
        return (value,) if isinstance(value, str) else value

    def states(self, workflow) -> tuple[str, ...]:
        return tuple(name for name, s in workflow.states.items() if set(self.tag) <= s.tags)


class StatusRule(_Strict):
    applies_to: TagSelector
    warning_days: int = Field(ge=0)
    report_within_days: int = Field(ge=1)
    stale_indicator_is_at_risk: bool = True
    wrong_way_indicator_is_at_risk: bool = True
    # What the latest value is compared with: the value before it (the baseline when it is the first one),
    # or always the baseline.
    wrong_way_compared_to: str = Field("previous", pattern="^(previous|baseline)$")


class SinceLastMeeting(_Strict):
    """Each count: measures that entered a state with the tag from a state without it."""
    decided: str
    implemented: str
    evaluated: str


class FreezeRule(_Strict):
    at_steering_meetings: bool = True   # the sweep freezes one snapshot per meeting date in reminders.yaml
    grace_days: int = Field(7, ge=0)    # ... when it runs on the day or up to this many days after it


class LagesbildRules(_Strict):
    status: StatusRule
    since_last_meeting: SinceLastMeeting
    snapshots: FreezeRule = FreezeRule()

    def tags_used(self) -> set[str]:
        m = self.since_last_meeting
        return set(self.status.applies_to.tag) | {m.decided, m.implemented, m.evaluated}


def load_lagesbild_rules(folder: Path | str, workflows) -> LagesbildRules:
    """The rules in `folder`/lagesbild.yaml, checked against the measure lifecycle's tags;
    WorkflowDefinitionError names the file and the bad key (`kfflow workflows check` shows it)."""
    rules = read_rule_file(folder, LAGESBILD_FILE, LagesbildRules)
    unknown = sorted(t for t in rules.tags_used() if t not in TAGS)
    if unknown:
        raise WorkflowDefinitionError(f"{LAGESBILD_FILE}: no state tag {', '.join(unknown)} "
                                      f"(known: {', '.join(sorted(TAGS))})")
    if not rules.status.applies_to.states(workflows.current("measure")):
        raise WorkflowDefinitionError(f"{LAGESBILD_FILE}: status.applies_to: no measure state carries every tag "
                                      f"{', '.join(rules.status.applies_to.tag)}")
    return rules


lagesbild_rules = cached_per_workflows(load_lagesbild_rules)  # () -> LagesbildRules beside the loaded lifecycles
