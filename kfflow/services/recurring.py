"""The follow-up rules in workflows/follow_up.yaml, and finding a recommendation an earlier audit already made.

Auditors repeat what was not fixed, in other words. rapidfuzz scores two texts 0–100 after lower-casing and
removing punctuation; the scorer and the threshold are declared in the YAML, not here.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field
from rapidfuzz import fuzz, process, utils

from kfflow.workflow.rule_files import StrictRules, cached_per_workflows, check_measure_states, read_rule_file

FOLLOW_UP_FILE = "follow_up.yaml"
SCORERS = {"ratio": fuzz.ratio, "token_sort_ratio": fuzz.token_sort_ratio, "token_set_ratio": fuzz.token_set_ratio,
           "WRatio": fuzz.WRatio, "QRatio": fuzz.QRatio}


class FlagRules(StrictRules):
    dropped_states: tuple[str, ...]


class RecurringRule(StrictRules):
    scorer: Literal["ratio", "token_sort_ratio", "token_set_ratio", "WRatio", "QRatio"]
    threshold: float = Field(gt=0, le=100)


class FollowUpRules(StrictRules):
    flags: FlagRules
    recurring: RecurringRule


def load_follow_up_rules(folder: Path | str, workflows) -> FollowUpRules:
    """The rules in `folder`/follow_up.yaml, the states checked against the measure lifecycle;
    WorkflowDefinitionError names the file and the bad key (`kfflow workflows check` shows it)."""
    rules = read_rule_file(folder, FOLLOW_UP_FILE, FollowUpRules)
    check_measure_states(FOLLOW_UP_FILE, "flags.dropped_states", rules.flags.dropped_states, workflows)
    return rules


follow_up_rules = cached_per_workflows(load_follow_up_rules)  # () -> FollowUpRules beside the loaded lifecycles


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
