"""Validate every row of a measure sheet into a plan before anything is written.

Each problem is kept with the row number Excel shows and the column heading, in Swedish, so the report
reads `rad 19, kolumn Kategori: "Okänd kategori" är inte en av Behålla, Rekrytera, Utveckla`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from kfflow.importing.cells import cell_text, parse_cell_date
from kfflow.importing.mapping import choice_lookup, measure_columns, normalise, vocabulary
from kfflow.importing.readers import Table

MAX_LISTED_ERRORS = 50
ATTRIBUTES = ("title", "description", "category", "working_group", "expected_effect", "indicator", "status_note")


@dataclass(frozen=True)
class RowError:
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = ", ".join(p for p in (f"rad {self.row}" if self.row else None,
                                      f"kolumn {self.column}" if self.column else None) if p)
        return f"{where}: {self.message}" if where else self.message


@dataclass
class RowPlan:
    row: int
    values: dict[str, Any]          # parsed attributes of the columns the file has
    state: str = ""                 # the lifecycle's initial state unless the file says more
    state_given: bool = False  # the file names a state (Läge, or a state label under Status)
    owner_id: int | None = None
    due_date: date | None = None
    measure_id: int | None = None   # from the ID column
    raw: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str | None]:
        return (normalise(self.values["title"]), self.values.get("category"))

    def transition_values(self, transition, users: dict[int, Any]) -> dict[str, Any]:
        """The row's values for the fields of the transition that brings it to its state (users by id)."""
        found = {"owner": users.get(self.owner_id), "due_date": self.due_date}
        return {f.name: found.get(f.name, self.values.get(f.name)) for f in transition.fields}


@dataclass
class Lookups:
    """What validation needs from the database, loaded once (the import may have 20,000 rows)."""
    users: dict[str, int]            # normalised username → id
    user_names: dict[str, list[int]]  # normalised display name → ids (a name may be shared)
    bodies: dict[str, int]           # normalised body name → id
    measure_ids: set[int]


class Validator:
    def __init__(self, session: Session, table: Table, fields: dict[str, int], lookups: Lookups):
        from kfflow.workflow.measure_attributes import attribute_fields
        from kfflow.workflow import get_workflows

        self.session = session
        self.table = table
        self.fields = fields
        self.lookups = lookups
        self.errors: list[RowError] = []
        self.heading = {f: table.headings[i] for f, i in fields.items()}
        self.choices = {c.field: (choice_lookup(vocabulary(c.vocabulary)), vocabulary(c.vocabulary))
                        for c in measure_columns() if c.vocabulary}
        wf = get_workflows().current("measure")
        self.state_labels = {normalise(s.label): name for name, s in wf.states.items()}
        self.state_labels.update({name: name for name in wf.states})
        self.wf = wf
        # The attributes this file's columns give, built once: title required, the others may be empty.
        given = {"title", "description", "expected_effect", "indicator", "category", "working_group"} & set(fields)
        if "status" in fields or "started" in fields:
            given.add("status_note")
        self.file_fields = tuple(f for f in attribute_fields() if f.name in given)
        self.seen_titles: dict[str, int] = {}
        self.seen_ids: dict[int, int] = {}

    def error(self, row: int | None, fld: str | None, message: str) -> None:
        self.errors.append(RowError(row, self.heading.get(fld, fld) if fld else None, message))

    def _choice(self, row: int, fld: str, text: str) -> str | None:
        lookup, options = self.choices[fld]
        value = lookup.get(normalise(text))
        if value is None:
            self.error(row, fld, f"\"{text}\" är inte en av {', '.join(o.label for o in options)}")
        return value

    def _owner(self, row: int, text: str, plan: RowPlan) -> None:
        key = normalise(text)
        if key in self.lookups.users:
            plan.owner_id = self.lookups.users[key]
        elif len(self.lookups.user_names.get(key, ())) == 1:
            plan.owner_id = self.lookups.user_names[key][0]
        elif key in self.lookups.user_names:
            self.error(row, "owner", f"flera användare heter \"{text}\"; ange användarnamnet")
        elif key in self.lookups.bodies:
            plan.values["owner_body_id"] = self.lookups.bodies[key]
        else:
            self.error(row, "owner", f"\"{text}\" är varken en användare eller en enhet i kfflow")

    def _state(self, row: int, fld: str, text: str) -> str | None:
        state = self.state_labels.get(normalise(text))
        if state is None:
            self.error(row, fld, f"\"{text}\" är inget läge; använd ett av "
                                 f"{', '.join(s.label for s in self.wf.states.values())}")
        return state

    def check_new(self, plan: RowPlan) -> None:
        """What only a row that creates a measure must satisfy (a matched row keeps its state)."""
        fld = "state" if "state" in self.fields else "status"
        if plan.state == self.wf.initial:
            return
        # Beyond the initial state only where the lifecycle has a transition for the import (measure.yaml).
        transition = next((t for t in self.wf.by_import(self.wf.initial) if t.dest == plan.state), None)
        if transition is None:
            states = [self.wf.initial] + [t.dest for t in self.wf.by_import(self.wf.initial)]
            labels = " eller ".join(self.wf.state_label(s) for s in states)
            self.error(plan.row, fld, f"nya åtgärder kan bara läsas in som {labels}, inte "
                                      f"\"{self.wf.state_label(plan.state)}\"")
            return
        given = plan.transition_values(transition, {plan.owner_id: plan.owner_id} if plan.owner_id else {})
        missing = [self.heading.get(f.name, f.label) for f in transition.fields if f.required and given[f.name] is None]
        if missing:
            self.error(plan.row, fld, f"en {self.wf.state_label(plan.state).lower()} åtgärd behöver "
                                      f"{' och '.join(missing)} ifyllt")

    def row(self, number: int, cells: list[Any]) -> RowPlan | None:
        from kfflow.workflow.measure_attributes import parse_measure_attributes

        raw = {f: cells[i] for f, i in self.fields.items()}
        text = {f: cell_text(v) for f, v in raw.items()}
        before = len(self.errors)
        plan = RowPlan(row=number, values={}, raw=text)
        data: dict[str, Any] = {f: text[f] for f in ("title", "description", "expected_effect", "indicator")
                                if f in text}
        for fld in ("category", "working_group"):
            if text.get(fld):
                data[fld] = self._choice(number, fld, text[fld])
            elif fld in text:
                data[fld] = ""
        state = None
        if text.get("state"):
            state = self._state(number, "state", text["state"])
        status = text.get("status", "")
        if status and "state" not in self.fields and normalise(status) in self.state_labels:
            state = self._state(number, "status", status)
            status = ""
        if text.get("started"):
            status = f"Påbörjat: {text['started']}." + (f" {status}" if status else "")
        if "status" in text or "started" in text:
            data["status_note"] = status
        if text.get("owner"):
            self._owner(number, text["owner"], plan)
        elif "owner" in text:
            plan.values["owner_body_id"] = None
        if text.get("due_date"):
            try:
                plan.due_date = parse_cell_date(raw["due_date"])
            except ValueError as exc:
                self.error(number, "due_date", str(exc))
        if text.get("id"):
            self._id(number, text["id"], plan)
        values, errors = parse_measure_attributes(self.session, data, partial=False, fields=self.file_fields)
        for fld, message in errors.items():
            self.error(number, fld, message.split(": ", 1)[-1])
        plan.values.update({f.name: values.get(f.name) for f in self.file_fields})  # an empty cell clears
        plan.state, plan.state_given = state or self.wf.initial, state is not None
        if text.get("title"):
            title = normalise(text["title"])
            if title in self.seen_titles:
                self.error(number, "title", f"samma titel som rad {self.seen_titles[title]}")
            else:
                self.seen_titles[title] = number
        return plan if len(self.errors) == before else None

    def _id(self, number: int, text: str, plan: RowPlan) -> None:
        if not text.isdigit():
            self.error(number, "id", f"\"{text}\" är inget nummer")
        elif int(text) not in self.lookups.measure_ids:
            self.error(number, "id", f"det finns ingen åtgärd med nummer {text}; lämna ID tomt för nya åtgärder")
        elif int(text) in self.seen_ids:
            self.error(number, "id", f"samma ID som rad {self.seen_ids[int(text)]}")
        else:
            self.seen_ids[int(text)] = number
            plan.measure_id = int(text)

    def problems_of_reader(self) -> None:
        for p in self.table.problems:
            self.errors.append(RowError(p.row, self.table.headings[p.column] if p.column < len(self.table.headings)
                                        else None, p.message))


def report_errors(errors: list[RowError], limit: int = MAX_LISTED_ERRORS) -> list[str]:
    """Up to `limit` errors in row order, then how many more there are."""
    ordered = sorted(errors, key=lambda e: (e.row or 0))
    lines = [str(e) for e in ordered[:limit]]
    if len(ordered) > limit:
        lines.append(f"… och {len(ordered) - limit} fel till ({len(ordered)} fel sammanlagt).")
    return lines
