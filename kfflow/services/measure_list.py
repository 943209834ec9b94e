"""The measure list as people filter it: by state, category, working group, owner, overdue, free text.

A read model shared by every front end. The API reads `list_measures` (one statement: the page's columns with
the names of the related people, the total alongside); the export reads `all_measures` (model objects, for
the import's columns); the page reads `measure_list_page`: its facets (counts per state,
the people its pickers offer) in one statement and its rows, labels resolved, in another.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from types import SimpleNamespace

from sqlalchemy import Integer, Select, String, cast, func, literal, null, or_, select, union_all
from sqlalchemy.orm import Session, aliased, joinedload

from kfflow.clock import local_today
from kfflow.errors import NotFound, ValidationError
from kfflow.models import Body, Measure, User
from kfflow.services.users import ACTIVE_PEOPLE, Person, sorted_people
from kfflow.workflow import get_workflows, is_late, late  # noqa: F401 (the list's meaning of late, re-exported)
from kfflow.workflow.fields import MAX_TEXT, check_text


def score_expression():
    """A measure's score under workflows/scoring.yaml as SQL: the same numbers as `ScoringModel.score`,
    computed when read (never stored), so a changed weight re-ranks at once. NULL until fully judged."""
    scoring = get_workflows().scoring
    return scoring.sql_score(Measure.scores) if scoring is not None else cast(null(), Integer)


SORTS = {
    "id": Measure.id, "title": Measure.title, "state": Measure.state, "priority": Measure.priority,
    "due_date": Measure.due_date, "updated_at": Measure.updated_at, "created_at": Measure.created_at,
    "score": score_expression,  # an expression made from the loaded scoring model when a list is asked for
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
    # Measures whose text this reader may not read (secrecy): free text never matches them, so a search
    # cannot reveal what a marked measure says (SecrecyLens.hidden_ids).
    text_hidden_in: list[int] = field(default_factory=list)


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


FILTER_LABELS = {"q": "Sök", "owner": "Ansvarig", "category": "Kategori", "working_group": "Arbetsgrupp",
                 "states": "Läge"}


def check_filter(f: MeasureFilter) -> None:
    """The input rule for what people filter by: one line of text each (NUL would reach the query)."""
    errors = {}
    for name, label in FILTER_LABELS.items():
        value = getattr(f, name)
        for text in value if isinstance(value, list) else [value]:
            if text is None:
                continue
            try:
                check_text(text, multiline=False, max_length=MAX_TEXT)
            except ValueError as exc:
                errors[name] = f"{label}: {exc}"
    if errors:
        raise ValidationError("Filtret är felaktigt.", errors)


def filtered(stmt: Select, f: MeasureFilter) -> Select:
    check_filter(f)
    if f.states:
        stmt = stmt.where(Measure.state.in_(f.states))
    if f.category:
        stmt = stmt.where(Measure.category == f.category)
    if f.working_group:
        stmt = stmt.where(Measure.working_group == f.working_group)
    if f.owner:
        stmt = stmt.where(Measure.owner_id.in_(select(User.id).where(User.username == f.owner.strip().lower())))
    if f.overdue:
        stmt = stmt.where(Measure.due_date < (f.today or local_today()),
                          Measure.state.in_(get_workflows().current("measure").tagged("can_be_late")))
    if f.q and f.q.strip():
        pattern = _like_pattern(f.q.strip().lower())
        stmt = stmt.where(or_(func.lower(Measure.title).like(pattern, escape="\\"),
                              func.lower(Measure.description).like(pattern, escape="\\")))
        if f.text_hidden_in:
            stmt = stmt.where(Measure.id.not_in(f.text_hidden_in))
    return stmt


def _order(sort: str) -> list:
    """ORDER BY for `sort` (a key of SORTS, '-' in front for descending), ties by id."""
    key = sort.lstrip("-")
    column = SORTS[key]() if callable(SORTS[key]) else SORTS[key]
    # Empty values last either way, on SQLite as on PostgreSQL.
    order = [(column.desc() if sort.startswith("-") else column.asc()).nulls_last(), Measure.id.asc()]
    return order[:1] if key == "id" else order


# A list shows who owns and proposed a measure by name: only those columns of the related rows are read.
_PEOPLE = (joinedload(Measure.owner).load_only(User.username, User.display_name),
           joinedload(Measure.proposer).load_only(User.username, User.display_name),
           joinedload(Measure.owner_body).load_only(Body.name))


def _ordered(f: MeasureFilter, sort: str) -> Select:
    """The matching measures in `sort` order."""
    return (filtered(select(Measure), f)
            .options(*_PEOPLE).order_by(*_order(sort)))


_LIST_OWNER, _LIST_PROPOSER = aliased(User), aliased(User)  # aliases: the owner filter's subquery names User
_RELATED = {"owner": (_LIST_OWNER.username, _LIST_OWNER.display_name),
            "proposer": (_LIST_PROPOSER.username, _LIST_PROPOSER.display_name), "owner_body": (Body.name,)}


def _listed(rows: list) -> list[SimpleNamespace]:
    """The measures of the list as plain attributes: their columns, and owner, proposer and owner_body as the
    names the list shows (None when there is none). Rows are (measure columns…, related names…, total)."""
    if not rows:
        return []
    keys = list(rows[0]._fields)
    n_own = len(Measure.__table__.columns)
    own_keys, spans, start = keys[:n_own], [], n_own
    for relation, columns in _RELATED.items():
        spans.append((relation, start, start + len(columns), [c.key for c in columns]))
        start += len(columns)
    listed = []
    for row in rows:
        item = SimpleNamespace(**dict(zip(own_keys, row)))
        for relation, begin, end, names in spans:
            setattr(item, relation, None if row[begin] is None else SimpleNamespace(**dict(zip(names, row[begin:end]))))
        listed.append(item)
    return listed


def list_measures(session: Session, f: MeasureFilter, *, limit: int = 50, offset: int = 0,
                  sort: str = "id") -> tuple[list[SimpleNamespace], int]:
    """(one page of measures, the total matching); `sort` is a key of SORTS, '-' in front for descending.

    A read model, not ORM objects: the measures' columns with the names of their owner, proposer and owning
    body, read in one round trip (the total rides along as an uncorrelated subquery, computed once). Only a
    page past the end, which has no row to carry it, asks for the total on its own."""
    count = filtered(select(func.count(Measure.id)), f)
    limit, offset = max(0, min(limit, MAX_LIMIT)), max(0, offset)
    related = [column for columns in _RELATED.values() for column in columns]
    stmt = (filtered(select(Measure.__table__, *related, count.scalar_subquery().label("_total")), f)
            .outerjoin(_LIST_OWNER, _LIST_OWNER.id == Measure.owner_id)
            .outerjoin(_LIST_PROPOSER, _LIST_PROPOSER.id == Measure.proposer_id)
            .outerjoin(Body, Body.id == Measure.owner_body_id)
            .order_by(*_order(sort)).limit(limit).offset(offset))
    rows = session.execute(stmt).all()
    if rows:
        return _listed(rows), rows[0]._total
    return [], (session.scalar(count) if offset or not limit else 0)


def all_measures(session: Session, f: MeasureFilter, *, sort: str = "id") -> list[Measure]:
    """Every matching measure, unpaged, in the list's order (the export of a filtered list)."""
    return list(session.scalars(_ordered(f, sort)).all())


# --- the page's read model: rows with their labels resolved, facets in one statement -------------

PAGE_SIZE = 50


@dataclass(frozen=True, slots=True)
class MeasureRow:
    """One line of the list, every label resolved here so that a page only prints."""
    id: int
    title: str
    category_label: str
    working_group: str
    state: str
    state_label: str
    owner_name: str
    due_date: date | None
    late: bool
    score: int | None = None


@dataclass
class MeasureListPage:
    rows: list[MeasureRow]
    total: int
    page: int
    pages: int
    counts: dict[str, int]   # per state, over the filter without its states
    people: list[Person]     # active users, by name


def _facets(session: Session, f: MeasureFilter) -> tuple[dict[str, int], list[Person]]:
    """Counts per state and the active people in one round trip (a UNION ALL of the two)."""
    counts = (filtered(select(literal("state"), Measure.state, cast(null(), String), func.count(Measure.id)),
                       replace(f, states=[])).group_by(Measure.state))
    people = ACTIVE_PEOPLE.with_only_columns(literal("person"), *ACTIVE_PEOPLE.selected_columns, null())
    by_state, found = {}, []
    for facet, key, label, number in session.execute(union_all(counts, people)):
        if facet == "state":
            by_state[key] = number
        else:
            found.append(Person(key, label))
    return by_state, sorted_people(found)


_OWNER = aliased(User)  # not User itself: the owner filter's subquery names User and must not correlate


def _row_columns(f: MeasureFilter, sort: str) -> Select:
    return (filtered(select(Measure.id, Measure.title, Measure.category, Measure.working_group, Measure.state,
                            Measure.workflow_name, Measure.workflow_version, Measure.due_date,
                            _OWNER.display_name, Body.name, score_expression()), f)
            .outerjoin(_OWNER, _OWNER.id == Measure.owner_id).outerjoin(Body, Body.id == Measure.owner_body_id)
            .order_by(*_order(sort)))


def measure_list_page(session: Session, f: MeasureFilter, *, page: int = 1, page_size: int = PAGE_SIZE,
                      sort: str = "id", lens=None) -> MeasureListPage:
    """One page of the list for people to read: two statements whatever the page size.

    The total is the sum of the per-state counts (they count the same filter without its states)."""
    today = f.today or local_today()
    counts, people = _facets(session, f)
    total = sum(n for state, n in counts.items() if not f.states or state in f.states)
    page = max(page, 1)
    pages = max((total + page_size - 1) // page_size, 1)
    if page > pages:  # a page past the end names nothing (and a huge number must never reach OFFSET)
        raise NotFound(f"Sidan finns inte: listan har {pages} sidor.")
    rows = []
    if total > (page - 1) * page_size:
        workflows = get_workflows()
        categories = {o.value: o.label for o in workflows.vocabulary("categories")}
        state_labels: dict[tuple, str] = {}
        stmt = _row_columns(replace(f, today=today), sort).limit(page_size).offset((page - 1) * page_size)
        for (id_, title, category, group, state, wf_name, wf_version, due, owner, body,
             score) in session.execute(stmt):
            label = state_labels.get((wf_name, wf_version, state))
            if label is None:
                label = state_labels[(wf_name, wf_version, state)] = \
                    workflows.get(wf_name, wf_version).state_label(state)
            if lens is not None:  # a marked measure's title reads as the notice (kfflow.services.secrecy)
                title = lens.title("measure", id_, title)
            rows.append(MeasureRow(id_, title, categories.get(category, category or "–"), group or "–", state,
                                   label, owner or body or "–", due,
                                   late(state, due, today), score))
    return MeasureListPage(rows=rows, total=total, page=page, pages=pages,
                           counts=counts, people=people)
