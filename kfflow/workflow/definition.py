"""A lifecycle as loaded from YAML: immutable, validated, shared by every case of its version."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FIELD_TYPES = ("text", "date", "user", "number", "choice", "measures")


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

    def dest_from(self, source: str) -> str:
        return self.dest or source


@dataclass
class WorkflowDef:
    name: str
    version: int
    initial: str
    states: dict[str, StateDef]
    transitions: tuple[TransitionDef, ...]
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

    def state_label(self, state: str | None) -> str:
        if state is None:
            return ""
        s = self.states.get(state)
        return s.label if s else state

    @property
    def key(self) -> tuple[str, int]:
        return (self.name, self.version)
