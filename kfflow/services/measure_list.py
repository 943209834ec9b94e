"""The measure list as people filter it: by state, category, working group, owner, overdue, free text.

A read model shared by every front end; one query for the page and one for the total, whatever the
page size (the related rows a list shows are loaded eagerly).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, joinedload

from kfflow.clock import local_today
from kfflow.models import Measure, User

# States in which a past due date means the measure is late.
LATE_STATES = ("proposed", "prioritised", "decided")
SORTS = {
    "id": Measure.id, "title": Measure.title, "state": Measure.state, "priority": Measure.priority,
    "due_date": Measure.due_date, "updated_at": Measure.updated_at, "created_at": Measure.created_at,
}
MAX_LIMIT = 200


@dataclass
class MeasureFilter:
    states: list[str] = field(default_factory=list)
    category: str | None = None
    working_group: str | None = None
    owner: str | None = None          # username
    overdue: bool = False
    q: str | None = None              # free text in title and description
    today: date | None = None         # needed when overdue is set


def is_late(measure, today: date) -> bool:
    """The one meaning of "late" (försenad) that lists, filters and pages share."""
    return measure.state in LATE_STATES and measure.due_date is not None and measure.due_date < today


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def filtered(stmt: Select, f: MeasureFilter) -> Select:
    if f.states:
        stmt = stmt.where(Measure.state.in_(f.states))
    if f.category:
        stmt = stmt.where(Measure.category == f.category)
    if f.working_group:
        stmt = stmt.where(Measure.working_group == f.working_group)
    if f.owner:
        stmt = stmt.where(Measure.owner_id.in_(select(User.id).where(User.username == f.owner.strip().lower())))
    if f.overdue:
        stmt = stmt.where(Measure.due_date < (f.today or local_today()), Measure.state.in_(LATE_STATES))
    if f.q and f.q.strip():
        pattern = _like_pattern(f.q.strip().lower())
        stmt = stmt.where(or_(func.lower(Measure.title).like(pattern, escape="\\"),
                              func.lower(Measure.description).like(pattern, escape="\\")))
    return stmt


def _ordered(f: MeasureFilter, sort: str) -> Select:
    """The matching measures in `sort` order (a key of SORTS, '-' in front for descending)."""
    key = sort.lstrip("-")
    column = SORTS[key]
    # Empty values last either way, on SQLite as on PostgreSQL.
    order = [(column.desc() if sort.startswith("-") else column.asc()).nulls_last(), Measure.id.asc()]
    if key == "id":
        order = order[:1]
    return (filtered(select(Measure), f)
            .options(joinedload(Measure.owner), joinedload(Measure.owner_body), joinedload(Measure.proposer))
            .order_by(*order))


def list_measures(session: Session, f: MeasureFilter, *, limit: int = 50, offset: int = 0,
                  sort: str = "id") -> tuple[list[Measure], int]:
    """(one page of measures, the total matching); `sort` is a key of SORTS, '-' in front for descending."""
    total = session.scalar(filtered(select(func.count(Measure.id)), f))
    page = session.scalars(_ordered(f, sort).limit(max(0, min(limit, MAX_LIMIT))).offset(max(0, offset))).all()
    return list(page), total


def all_measures(session: Session, f: MeasureFilter, *, sort: str = "id") -> list[Measure]:
    """Every matching measure, unpaged, in the list's order (the export of a filtered list)."""
    return list(session.scalars(_ordered(f, sort)).all())


def counts_by_state(session: Session, f: MeasureFilter) -> dict[str, int]:
    """How many measures match the filter in each state (the state filter itself left out)."""
    stmt = filtered(select(Measure.state, func.count(Measure.id)), replace(f, states=[])).group_by(Measure.state)
    return dict(session.execute(stmt).all())
