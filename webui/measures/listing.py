"""The measure list's query arguments: Swedish names in the URL for the read model's filter, sort and page."""
from __future__ import annotations

from dataclasses import dataclass

from kfflow.clock import local_today
from kfflow.services.measure_list import SORTS, MeasureFilter


@dataclass(frozen=True)
class ListArgs:
    """What the list's URL asks for, as the form and its links show it again."""
    filter: MeasureFilter
    sort: str = "id"            # a key of the read model's SORTS
    descending: bool = False
    page: int = 1

    @property
    def state(self) -> str:
        return self.filter.states[0] if self.filter.states else ""

    @property
    def sort_key(self) -> str:
        return ("-" if self.descending else "") + self.sort

    @classmethod
    def parse(cls, args, text_hidden_in: list[int] = ()) -> "ListArgs":
        sort = args.get("sortera", "id")
        state = args.get("lage", "").strip()
        f = MeasureFilter(states=[state] if state else [], category=args.get("kategori", "").strip() or None,
                          working_group=args.get("arbetsgrupp", "").strip() or None,
                          owner=args.get("ansvarig", "").strip() or None, overdue=args.get("forsenad") == "1",
                          q=args.get("q", "").strip()[:200] or None, today=local_today(),
                          text_hidden_in=list(text_hidden_in))
        return cls(f, sort if sort in SORTS else "id", args.get("ordning") == "fallande",
                   max(args.get("sida", 1, type=int) or 1, 1))

    def args(self, **override) -> dict:
        """Query arguments that reproduce this list (for sort, filter and page links)."""
        f = self.filter
        values = {"lage": self.state, "kategori": f.category or "", "arbetsgrupp": f.working_group or "",
                  "ansvarig": f.owner or "", "forsenad": "1" if f.overdue else "", "q": f.q or "",
                  "sortera": self.sort, "ordning": "fallande" if self.descending else "", "sida": self.page}
        values.update(override)
        return {k: v for k, v in values.items() if v != "" and not (k == "sida" and v == 1)
                and not (k == "sortera" and v == "id")}
