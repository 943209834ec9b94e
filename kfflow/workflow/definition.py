"""A lifecycle as loaded from YAML: immutable, validated, shared by every case of its version."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FIELD_TYPES = ("text", "date", "user", "number", "choice", "measures", "scores")
# The tags a state may carry: the words the rest of kfflow asks a lifecycle about, instead of naming states.
TAGS = {
    "open": "work on the case goes on (lists of open cases, handover)",
    "closed": "the case has ended",
    "can_be_late": "a past due date makes the case late (försenad): lists, filters, calendar, start page",
    "reportable": "the owner reports progress; the final report lists it as work that goes on",
    "adopted": "a decision on the case has been taken and stands (reports, registering the yttrande)",
    "done": "what was promised is carried out (a recommendation's linked measures)",
    "ranked": "awaiting the steering group's decision: listed in the ranking by score (workflows/scoring.yaml)",
    "evaluated": "the effect of what was done has been assessed (the lägesbild's evaluated since the last meeting)",
}


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class FieldDef:
    name: str
    type: str
    label: str
    required: bool = True
    assign: bool = False  # write the value onto the case attribute of the same name
    options: tuple[Option, ...] = ()
    min: float | None = None
    max: float | None = None
    # For a text with no column behind it (a reason): may it run over several lines, and how long?
    # A text written to a column takes both from the column (see workflow.fields.text_limits).
    multiline: bool = True
    max_length: int | None = None

    def option_labels(self) -> str:
        return ", ".join(o.label for o in self.options)


@dataclass(frozen=True)
class StateDef:
    name: str
    label: str
    final: bool = False
    tags: frozenset[str] = frozenset()  # what the state means elsewhere: open, can_be_late, reportable …


@dataclass(frozen=True)
class TransitionDef:
    trigger: str
    label: str
    sources: tuple[str, ...]
    dest: str | None  # None: the case stays in its state (a reassignment, a new due date)
    roles: frozenset[str]
    relation: str | None = None
    fields: tuple[FieldDef, ...] = ()
    guards: tuple[str, ...] = ()
    effects: tuple[str, ...] = ()
    by_import: bool = False  # fired only by the spreadsheet import (history from before kfflow), never offered
    evidence: bool = False   # takes evidence files (attachments) with its fields: pdf, docx, xlsx, odt, png, jpg

    def dest_from(self, source: str) -> str:
        return self.dest or source


@dataclass(frozen=True)
class Grant:
    """Who may do an action: holders of `roles`, or the holder of `relation` to the case, in `states`."""
    roles: frozenset[str] = frozenset()
    relation: str | None = None
    states: frozenset[str] | None = None  # None: in every state (and without a case)


@dataclass(frozen=True)
class ActionDef:
    """Something besides a transition that people do to a case (edit, report progress, register a document …).

    Either its own grants, or `transition`: then it is that transition (a bulk handover is `reassign`, many times).
    """
    name: str
    label: str
    grants: tuple[Grant, ...] = ()
    transition: str | None = None


@dataclass
class WorkflowDef:
    name: str
    version: int
    initial: str
    states: dict[str, StateDef]
    transitions: tuple[TransitionDef, ...]
    actions: dict[str, ActionDef] = field(default_factory=dict)
    # The history's label of an entry a service writes besides a transition ("Ändrade uppgifterna" for `edit`).
    history_labels: dict[str, str] = field(default_factory=dict)
    source_file: Path | None = None
    _by_state: dict[str, dict[str, TransitionDef]] = field(default_factory=dict, repr=False)
    machine: Any = field(default=None, repr=False, compare=False)  # built once by the engine

    def __post_init__(self):
        for t in self.transitions:
            for s in t.sources:
                self._by_state.setdefault(s, {})[t.trigger] = t

    def transitions_from(self, state: str) -> list[TransitionDef]:
        return list(self._by_state.get(state, {}).values())

    def find(self, trigger: str, state: str) -> TransitionDef | None:
        return self._by_state.get(state, {}).get(trigger)

    def any_with_trigger(self, trigger: str) -> TransitionDef | None:
        return next((t for t in self.transitions if t.trigger == trigger), None)

    def has_tag(self, state: str | None, tag: str) -> bool:
        s = self.states.get(state) if state else None
        return s is not None and tag in s.tags

    def tagged(self, tag: str) -> tuple[str, ...]:
        """The states carrying `tag`, in the file's order (for queries: `state IN tagged('open')`)."""
        return tuple(name for name, s in self.states.items() if tag in s.tags)

    def by_import(self, source: str) -> list[TransitionDef]:
        """The transitions the import may fire from `source` to record a case's earlier history."""
        return [t for t in self.transitions_from(source) if t.by_import]

    def state_label(self, state: str | None) -> str:
        if state is None:
            return ""
        s = self.states.get(state)
        return s.label if s else state

    @property
    def key(self) -> tuple[str, int]:
        return (self.name, self.version)
