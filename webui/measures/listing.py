"""The measure list's query arguments (Swedish names in the URL), and one page with its counts per state."""
from __future__ import annotations

from dataclasses import dataclass, field

from kfflow.services.measure_list import MeasureFilter as Query
from kfflow.services.measure_list import counts_by_state
from kfflow.services.measure_list import list_measures as query_measures

PAGE_SIZE = 50
# The page's Swedish sort names, and the read model's keys they stand for.
SORTS = {"nr": "id", "titel": "title", "slutdatum": "due_date", "lage": "state", "prioritet": "priority"}


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


def list_measures(session, f: MeasureFilter, today, page_size: int = PAGE_SIZE) -> MeasurePage:
    """The page through the read model the API uses too, so both lists mean the same by every filter."""
    query = Query(states=[f.state] if f.state else [], category=f.category or None,
                  working_group=f.working_group or None, owner=f.owner or None, overdue=f.overdue,
                  q=f.text or None, today=today)
    sort = ("-" if f.descending else "") + SORTS[f.sort]
    measures, total = query_measures(session, query, limit=page_size, offset=(f.page - 1) * page_size, sort=sort)
    return MeasurePage(measures=measures, total=total, pages=max((total + page_size - 1) // page_size, 1),
                       counts=counts_by_state(session, query))
