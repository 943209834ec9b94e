"""Retention (gallring) rules: which records of which case kind may be thinned, and when (workflows/retention.yaml).

Nothing is thinned without a rule here; `kfflow workflows check` refuses a rule naming an unknown case kind,
record type or state (docs/records.md).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from kfflow.errors import WorkflowDefinitionError
from kfflow.kinds import KINDS

RETENTION_FILE = "retention.yaml"


@dataclass(frozen=True)
class RecordType:
    kinds: frozenset[str]   # the case kinds that have such records
    thinnable: bool         # False: a rule may only say it is kept


RECORD_TYPES = {
    "progress_report": RecordType(frozenset({"measure"}), thinnable=True),
    "history": RecordType(frozenset(KINDS), thinnable=False),         # the record of what was done: kept
    "document": RecordType(frozenset({"audit"}), thinnable=False),    # registered yttranden: kept
}


class RetentionRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str
    record: str
    label: str = Field(min_length=1)
    keep: bool = False
    states: tuple[str, ...] = ()                 # the case has ended in one of these …
    after_years: int | None = Field(None, ge=0)  # … this long ago (years of 365 days)

    @model_validator(mode="after")
    def _known(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown case kind {self.kind!r} (known: {', '.join(sorted(KINDS))})")
        record = RECORD_TYPES.get(self.record)
        if record is None:
            raise ValueError(f"unknown record type {self.record!r} (known: {', '.join(sorted(RECORD_TYPES))})")
        if self.kind not in record.kinds:
            raise ValueError(f"a {self.kind} has no {self.record} records")
        if self.keep:
            if self.states or self.after_years is not None:
                raise ValueError("a rule that keeps names no states and no after_years")
        elif not record.thinnable:
            raise ValueError(f"{self.record} records are kept; a rule may only say keep: true")
        elif not self.states or self.after_years is None:
            raise ValueError("a thinning rule names the states the case has ended in and after_years")
        return self


class RetentionRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    decision: str = Field(min_length=1)   # the decided rule (informationshanteringsplan) these come from
    roles: tuple[str, ...] = Field(min_length=1)  # who may run `kfflow gallra --execute`
    rules: tuple[RetentionRule, ...] = ()


def load_retention_rules(folder: Path | str, workflows=None) -> RetentionRules | None:
    """The rules in `folder`/retention.yaml (None without the file: then nothing may be thinned), with their
    states checked against the loaded lifecycles when given."""
    path = Path(folder) / RETENTION_FILE
    if not path.exists():
        return None
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        rules = RetentionRules.model_validate(data)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise WorkflowDefinitionError(f"{path.name}: cannot be read as YAML: {exc}") from None
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'file'}: {e['msg']}" for e in exc.errors())
        raise WorkflowDefinitionError(f"{path.name}: {problems}") from None
    if workflows is not None:
        unknown_roles = [r for r in rules.roles if r not in workflows.roles]
        if unknown_roles:
            raise WorkflowDefinitionError(f"{path.name}: roles: unknown role {', '.join(unknown_roles)}")
        for number, rule in enumerate(rules.rules):
            known = {s for (name, _v), wf in workflows.definitions.items() if name == KINDS[rule.kind].workflow
                     for s in wf.states}
            unknown = [s for s in rule.states if s not in known]
            if unknown:
                raise WorkflowDefinitionError(f"{path.name}: rules.{number}: {rule.kind} has no state "
                                              f"{', '.join(unknown)}")
    return rules
