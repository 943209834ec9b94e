"""The filtered, sorted, paged measure list and its counts per state, read straight from the request."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from kfflow.models import Measure, User

PAGE_SIZE = 50
SORTS = {"nr": Measure.id, "titel": Measure.title, "slutdatum": Measure.due_date, "lage": Measure.state,
         "prioritet": Measure.priority}


@dataclass
class MeasureFilter:
    state: str = ""
    category: str = ""
    working_group: str = ""
    owner: str = ""
    overdue: bool = False
    text: str = ""
    sort: str = "nr"
    descending: bool = False
    page: int = 1

    @classmethod
    def from_args(cls, args) -> "MeasureFilter":
        sort = args.get("sortera", "nr")
        return cls(state=args.get("lage", "").strip(), category=args.get("kategori", "").strip(),
                   working_group=args.get("arbetsgrupp", "").strip(), owner=args.get("ansvarig", "").strip(),
                   overdue=args.get("forsenad") == "1", text=args.get("q", "").strip()[:200],
                   sort=sort if sort in SORTS else "nr", descending=args.get("ordning") == "fallande",
                   page=max(args.get("sida", 1, type=int) or 1, 1))

    def args(self, **override) -> dict:
        """Query arguments that reproduce this filter (for sort and page links)."""
        values = {"lage": self.state, "kategori": self.category, "arbetsgrupp": self.working_group,
                  "ansvarig": self.owner, "forsenad": "1" if self.overdue else "", "q": self.text,
                  "sortera": self.sort, "ordning": "fallande" if self.descending else "", "sida": self.page}
        values.update(override)
        return {k: v for k, v in values.items() if v != "" and not (k == "sida" and v == 1)}


@dataclass
class MeasurePage:
    measures: list
    total: int
    pages: int
    counts: dict[str, int] = field(default_factory=dict)


def _conditions(f: MeasureFilter, today, *, with_state: bool) -> list:
    conds = []
    if with_state and f.state:
        conds.append(Measure.state == f.state)
    if f.category:
        conds.append(Measure.category == f.category)
    if f.working_group:
        conds.append(Measure.working_group == f.working_group)
    if f.owner:
        conds.append(Measure.owner_id == select(User.id).where(User.username == f.owner).scalar_subquery())
    if f.overdue:
        conds.append(Measure.state == "decided")
        conds.append(Measure.due_date < today)
    if f.text:
        pattern = f"%{f.text.replace('%', '').replace('_', '')}%"
        conds.append(or_(Measure.title.ilike(pattern), Measure.description.ilike(pattern)))
    return conds


def _matching(f: MeasureFilter, today):
    """Every measure the filter matches, in the list's order, with what a row shows loaded."""
    column = SORTS[f.sort]
    order = [column.desc() if f.descending else column.asc(), Measure.id]
    return (select(Measure).where(*_conditions(f, today, with_state=True)).order_by(*order)
            .options(selectinload(Measure.owner), selectinload(Measure.owner_body)))


def all_matching(session, f: MeasureFilter, today) -> list:
    """All pages of the list at once (the export of the filtered set)."""
    return session.scalars(_matching(f, today)).all()


def list_measures(session, f: MeasureFilter, today, page_size: int = PAGE_SIZE) -> MeasurePage:
    conds = _conditions(f, today, with_state=True)
    total = session.scalar(select(func.count(Measure.id)).where(*conds))
    measures = session.scalars(_matching(f, today).limit(page_size).offset((f.page - 1) * page_size)).all()
    counts = dict(session.execute(select(Measure.state, func.count(Measure.id))
                                  .where(*_conditions(f, today, with_state=False)).group_by(Measure.state)).all())
    return MeasurePage(measures=measures, total=total, pages=max((total + page_size - 1) // page_size, 1),
                       counts=counts)
