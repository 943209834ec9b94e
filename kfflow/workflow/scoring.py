"""The scoring model of workflows/scoring.yaml: criteria on scales with weights, and the one rule for a score.

A measure's judgement is `{criterion: step}` (kept in `measure.scores`). `ScoringModel.contribution` is the
only formula: weight × points, where a step's points are its number, or counted from the other end when a
lower step is better. Python sums it for a page's breakdown (`breakdown`, `score`); SQL sums the same numbers
(`sql_score`, a CASE per criterion whose constants come from `contribution`), so lists sort by the score
without storing it, and a changed weight re-ranks every measure at once.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal, Mapping

from pydantic import Field

from kfflow.workflow.definition import Option

SCORING_FILE = "scoring.yaml"


# --- the file's shape (strict, like every workflow file) -----------------------------------------

@cache
def _spec_models():
    from kfflow.workflow.loader import Label, Strict

    class CriterionSpec(Strict):
        label: Label
        description: str = ""
        weight: int = Field(gt=0)
        better: Literal["higher", "lower"] = "higher"
        scale: dict[int, Label] = Field(min_length=2)

    class ScoringFile(Strict):
        criteria: dict[str, CriterionSpec] = Field(min_length=1)

    return ScoringFile


# --- the loaded model ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Criterion:
    name: str
    label: str
    description: str
    weight: int
    better: str            # "higher": the highest step is best; "lower": step 1 is best
    steps: tuple[Option, ...]  # value "1", "2", … with its Swedish label

    @property
    def top(self) -> int:
        return len(self.steps)

    def points(self, step: int) -> int:
        return step if self.better == "higher" else self.top + 1 - step

    def step_label(self, step: int | None) -> str:
        return self.steps[step - 1].label if step is not None and 1 <= step <= self.top else ""


@dataclass(frozen=True)
class ScoreLine:
    """One criterion of a measure's score, as the measure page shows it."""
    criterion: Criterion
    step: int | None
    step_label: str
    points: int | None
    contribution: int | None   # weight × points


@dataclass(frozen=True)
class ScoringModel:
    criteria: tuple[Criterion, ...]
    source_file: Path | None = None

    def get(self, name: str) -> Criterion | None:
        return next((c for c in self.criteria if c.name == name), None)

    @property
    def maximum(self) -> int:
        return sum(self.contribution(c, c.top if c.better == "higher" else 1) for c in self.criteria)

    @staticmethod
    def contribution(criterion: Criterion, step: int) -> int:
        """The one formula: what `step` on `criterion` adds to a score."""
        return criterion.weight * criterion.points(step)

    def steps_of(self, scores: Mapping[str, Any] | None) -> dict[str, int]:
        """The judged steps that are on this model's scales (a criterion since removed is ignored)."""
        scores = scores or {}
        return {c.name: scores[c.name] for c in self.criteria
                if isinstance(scores.get(c.name), int) and 1 <= scores[c.name] <= c.top}

    def breakdown(self, scores: Mapping[str, Any] | None) -> list[ScoreLine]:
        steps = self.steps_of(scores)
        return [ScoreLine(c, steps.get(c.name), c.step_label(steps.get(c.name)),
                          c.points(steps[c.name]) if c.name in steps else None,
                          self.contribution(c, steps[c.name]) if c.name in steps else None)
                for c in self.criteria]

    def score(self, scores: Mapping[str, Any] | None) -> int | None:
        """The sum of the contributions, or None until every criterion is judged."""
        steps = self.steps_of(scores)
        if len(steps) < len(self.criteria):
            return None
        return sum(self.contribution(c, steps[c.name]) for c in self.criteria)

    def sql_score(self, scores_column):
        """The same score as an SQL expression over a JSON column of `{criterion: step}` (NULL until every
        criterion is judged: a CASE without a match is NULL, and NULL + anything is NULL)."""
        from sqlalchemy import case

        terms = [case(*((scores_column[c.name].as_integer() == int(o.value),
                         self.contribution(c, int(o.value))) for o in c.steps), else_=None)
                 for c in self.criteria]
        total = terms[0]
        for term in terms[1:]:
            total = total + term
        return total

    def describe(self, scores: Mapping[str, Any]) -> str:
        """A judgement in words, as the history shows it: "Effektens storlek 3 (Stor), …"."""
        steps = self.steps_of(scores)
        return ", ".join(f"{c.label} {steps[c.name]} ({c.step_label(steps[c.name])})" if c.name in steps
                         else f"{c.label} –" for c in self.criteria)

    def parse(self, value: Any) -> dict[str, int]:
        """A judgement as given (an object of criterion → step number or step label), or ValueError in Swedish.

        Every criterion must be judged; a step outside its scale or an unknown criterion is refused."""
        if not isinstance(value, Mapping):
            raise ValueError("Ange ett steg för varje kriterium.")
        unknown = [str(k) for k in value if self.get(str(k)) is None]
        if unknown:
            raise ValueError(f"Okänt kriterium: {', '.join(k[:60] for k in unknown)}. "
                             f"Kriterierna är: {', '.join(c.name for c in self.criteria)}.")
        problems, steps = [], {}
        for c in self.criteria:
            raw = value.get(c.name)
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                problems.append(f"{c.label} saknas")
                continue
            step = _step(c, raw)
            if step is None:
                problems.append(f"{c.label} ska vara ett steg från 1 till {c.top} "
                                f"({', '.join(f'{o.value} = {o.label}' for o in c.steps)})")
            else:
                steps[c.name] = step
        if problems:
            raise ValueError("; ".join(problems) + ".")
        return steps


def _step(criterion: Criterion, raw: Any) -> int | None:
    """A step number (or a step's label, as a sheet or a person may write it) on the criterion's scale."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw if 1 <= raw <= criterion.top else None
    if isinstance(raw, str):
        text = raw.strip()
        for o in criterion.steps:
            if text == o.value or text.casefold() == o.label.casefold():
                return int(o.value)
    return None


def load_scoring_model(path: Path, errors) -> ScoringModel | None:
    """`path` (workflows/scoring.yaml) validated strictly; each problem names the file and the criterion.

    None without errors when the file is absent (a folder of lifecycles without scoring)."""
    from kfflow.workflow.loader import IDENTIFIER, parse_file, read_yaml

    if not path.exists():
        return None
    spec = parse_file(_spec_models(), path.name, read_yaml(path, errors), errors)
    if spec is None:
        return None
    criteria = []
    for name, c in spec.criteria.items():
        where = f"{path.name}, criterion {name!r}"
        if not IDENTIFIER.match(name):
            errors.add(where, "the name must be an identifier")
        numbers = sorted(c.scale)
        if numbers != list(range(1, len(numbers) + 1)):
            errors.add(where, "scale: the steps must be numbered 1, 2, 3 … without gaps "
                              f"(found {', '.join(map(str, numbers))})")
            continue
        criteria.append(Criterion(name, c.label, c.description, c.weight, c.better,
                                  tuple(Option(str(n), c.scale[n]) for n in numbers)))
    return ScoringModel(tuple(criteria), path)
