"""The ranked list the steering group works through in its meeting: the measures awaiting a decision (states
tagged `ranked` in measure.yaml), highest score first under workflows/scoring.yaml.

The order is the measure list's `-score` (SQL, the score computed from the judgement when read), ties by
number, so the page, the API's ranking and `GET /api/v1/measures?sort=-score` with the same states agree.
Measures not yet fully judged come last, without a rank.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from kfflow.clock import local_today
from kfflow.services.access import require
from kfflow.services.measure_list import MeasureFilter, all_measures
from kfflow.workflow import get_workflows
from kfflow.workflow.scoring import Criterion, ScoreLine

RANKED_TAG = "ranked"
RANKING_SORT = "-score"


@dataclass(frozen=True)
class RankedMeasure:
    rank: int | None          # 1, 2, 3 … in order; None until every criterion is judged
    id: int
    title: str
    state: str
    state_label: str
    category_label: str
    owner_name: str
    score: int | None
    lines: list[ScoreLine]    # one per criterion, the model's order


@dataclass(frozen=True)
class Ranking:
    as_of: date
    criteria: tuple[Criterion, ...]
    maximum: int
    states: tuple[str, ...]
    items: list[RankedMeasure]

    @property
    def unscored(self) -> int:
        return sum(1 for item in self.items if item.rank is None)


def ranking_states() -> tuple[str, ...]:
    return get_workflows().current("measure").tagged(RANKED_TAG)


def ranking(session: Session, actor) -> Ranking:
    """The ranked list as the actor may see it (`rank` in measure.yaml)."""
    require(actor, "rank", kind="measure", denied="Du får inte se rangordningen av åtgärder.")
    workflows = get_workflows()
    scoring = workflows.scoring
    states = ranking_states()
    categories = {o.value: o.label for o in workflows.vocabulary("categories")}
    measures = all_measures(session, MeasureFilter(states=list(states)), sort=RANKING_SORT)
    items, rank = [], 0
    for m in measures:
        score = scoring.score(m.scores) if scoring is not None else None
        if score is not None:
            rank += 1
        owner = m.owner.display_name if m.owner else (m.owner_body.name if m.owner_body else "")
        items.append(RankedMeasure(
            rank if score is not None else None, m.id, m.title, m.state,
            workflows.get(m.workflow_name, m.workflow_version).state_label(m.state),
            categories.get(m.category, m.category or ""), owner, score,
            scoring.breakdown(m.scores) if scoring is not None else []))
    return Ranking(local_today(), scoring.criteria if scoring else (), scoring.maximum if scoring else 0,
                   states, items)
