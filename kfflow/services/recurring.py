"""The follow-up rules in workflows/follow_up.yaml, and finding a recommendation an earlier audit already made.

Auditors repeat what was not fixed, in other words. rapidfuzz scores two texts 0–100 after lower-casing and
removing punctuation; the scorer and the threshold are declared in the YAML, not here.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticError
from rapidfuzz import fuzz, process, utils

from kfflow.errors import WorkflowDefinitionError
from kfflow.workflow import get_workflows

FOLLOW_UP_FILE = "follow_up.yaml"
SCORERS = {"ratio": fuzz.ratio, "token_sort_ratio": fuzz.token_sort_ratio, "token_set_ratio": fuzz.token_set_ratio,
           "WRatio": fuzz.WRatio, "QRatio": fuzz.QRatio}


class FlagRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    dropped_states: tuple[str, ...]


class RecurringRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    scorer: Literal["ratio", "token_sort_ratio", "token_set_ratio", "WRatio", "QRatio"]
    threshold: float = Field(gt=0, le=100)


class FollowUpRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    flags: FlagRules
    recurring: RecurringRule


def load_follow_up_rules(folder: Path | str, workflows) -> FollowUpRules:
    """The rules in `folder`/follow_up.yaml, the states checked against the measure lifecycle;
    WorkflowDefinitionError names the file and the bad key (`kfflow workflows check` shows it)."""
    path = Path(folder) / FOLLOW_UP_FILE
    try:
        rules = FollowUpRules.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError) as exc:
        raise WorkflowDefinitionError(f"{FOLLOW_UP_FILE}: {exc}") from None
    except PydanticError as exc:
        raise WorkflowDefinitionError("\n".join(
            f"{FOLLOW_UP_FILE}: {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())) from None
    unknown = [s for s in rules.flags.dropped_states if s not in workflows.current("measure").states]
    if unknown:
        raise WorkflowDefinitionError(f"{FOLLOW_UP_FILE}: flags.dropped_states: no measure state {', '.join(unknown)}")
    return rules


_LOADED: dict[int, FollowUpRules] = {}  # per loaded set of lifecycles (id of the set)


def follow_up_rules() -> FollowUpRules:
    """The rules beside the loaded lifecycles, read once per loaded set."""
    workflows = get_workflows()
    if id(workflows) not in _LOADED:
        _LOADED[id(workflows)] = load_follow_up_rules(workflows.path, workflows)
    return _LOADED[id(workflows)]


@dataclass(frozen=True)
class Match:
    key: object      # the key the earlier text was given under (a recommendation's id)
    score: float


def best_match(text: str, earlier: dict, rule: RecurringRule) -> Match | None:
    """The earlier text (of `earlier`: key → text) most like `text`, if it scores at least the threshold."""
    if not earlier or not utils.default_process(text):
        return None
    found = process.extractOne(text, earlier, scorer=SCORERS[rule.scorer], processor=utils.default_process,
                               score_cutoff=rule.threshold)
    if found is None:
        return None
    _choice, score, key = found
    return Match(key, round(score, 1))
