"""Load the lifecycle files and validate them strictly: every error names its file, transition and value.

Two steps. The shape of each file (which keys, which types) is a pydantic model with `extra="forbid"`, so an
unknown or misspelt key is an error, never ignored. Then the references between files are checked by hand:
roles, relations, states, tags, guards, effects, vocabularies and case attributes must all exist.
"""
from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Union

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from kfflow.errors import WorkflowDefinitionError
from kfflow.workflow.definition import (FIELD_TYPES, TAGS, ActionDef, FieldDef, Grant, Option, StateDef,
                                        TransitionDef, WorkflowDef)
from kfflow.workflow.registry import EFFECTS, GUARDS
from kfflow.workflow.scoring import SCORING_FILE, load_scoring_model

ROLES_FILE = "roles.yaml"
VOCABULARIES_FILE = "vocabularies.yaml"
IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")


# --- the shape of the files -----------------------------------------------------------------------

def _listed(value):
    """A single name where a list is expected (`source: proposed`) is a list of one."""
    return [value] if isinstance(value, str) else value


Names = Annotated[list[str], BeforeValidator(_listed)]
Label = Annotated[str, Field(min_length=1)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class OptionSpec(Strict):
    value: Union[str, int]
    label: Label
    aliases: Names = []


class RoleSpec(Strict):
    label: Label
    description: str = ""


class RelationSpec(Strict):
    label: Label


class TagRef(Strict):
    tag: str


class GrantSpec(Strict):
    roles: Names = []
    relation: str | None = None
    states: Union[Names, TagRef, None] = None


class ActionSpec(GrantSpec):
    label: Label
    grants: list[GrantSpec] | None = None
    transition: str | None = None


class SignInGroupsSpec(Strict):
    claim: Label
    groups: Annotated[dict[str, str], Field(min_length=1)]
    without_group: str = "refuse"


class RolesFile(Strict):
    roles: dict[str, RoleSpec]
    relations: dict[str, RelationSpec] = {}
    actions: dict[str, ActionSpec] = {}  # what is done outside any one case (administer kfflow)
    sign_in_groups: SignInGroupsSpec | None = None


class FieldSpec(Strict):
    name: str
    type: str
    label: str | None = None
    required: bool = True
    assign: bool = False
    options: list[Union[str, OptionSpec]] | None = None
    vocabulary: str | None = None
    min: float | None = None
    max: float | None = None


class StateSpec(Strict):
    label: Label
    final: bool = False
    tags: Names = []


class TransitionSpec(Strict):
    trigger: str
    label: str | None = None
    source: Names = []
    dest: str | None = None
    roles: Names = []
    relation: str | None = None
    fields: list[FieldSpec] = []
    guards: Names = []
    effects: Names = []
    by_import: bool = False
    evidence: bool = False


class WorkflowFile(Strict):
    name: str
    version: int = Field(ge=1)
    initial: str
    states: dict[str, StateSpec] = Field(min_length=1)
    transitions: list[TransitionSpec]
    actions: dict[str, ActionSpec] = {}
    history: dict[str, Label] = {}  # what a case's history calls the entries services write besides transitions


# --- the loaded set -------------------------------------------------------------------------------

@dataclass
class Role:
    name: str
    label: str
    description: str = ""


@dataclass(frozen=True)
class GroupRoles:
    """roles.yaml `sign_in_groups`: the claim holding an external user's groups, and the role each group gives."""
    claim: str
    groups: dict[str, str]          # group -> role, in order of precedence
    without_group: str | None       # the role of someone in no listed group; None: refused


@dataclass
class WorkflowSet:
    """Every loaded definition, by (name, version); the highest version of a name is current."""

    roles: dict[str, Role]
    relations: dict[str, str]
    vocabularies: dict[str, tuple[Option, ...]]
    definitions: dict[tuple[str, int], WorkflowDef] = field(default_factory=dict)
    path: Path | None = None
    actions: dict[str, ActionDef] = field(default_factory=dict)  # organisation-wide, from roles.yaml
    group_roles: GroupRoles | None = None
    scoring: Any = None  # the ScoringModel of scoring.yaml (kfflow/workflow/scoring.py), None without the file

    def current(self, name: str) -> WorkflowDef:
        versions = [v for (n, v) in self.definitions if n == name]
        if not versions:
            raise KeyError(f"no workflow named {name!r}")
        return self.definitions[(name, max(versions))]

    def get(self, name: str, version: int) -> WorkflowDef:
        try:
            return self.definitions[(name, version)]
        except KeyError:
            raise KeyError(f"workflow {name!r} version {version} is not loaded") from None

    def names(self) -> list[str]:
        return sorted({n for (n, _) in self.definitions})

    def vocabulary(self, name: str) -> tuple[Option, ...]:
        return self.vocabularies[name]


class Errors:
    def __init__(self):
        self.lines: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.lines.append(f"{where}: {message}")


def read_yaml(path: Path, errors: Errors) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        errors.add(path.name, f"cannot be read as YAML: {exc}")
        return None


_CONTAINERS = {"transitions": ("transition", "trigger"), "fields": ("field", "name"), "grants": ("grant", None),
               "measure_columns": ("column", "field")}
_MAPPINGS = {"states": "state", "actions": "action", "roles": "role", "relations": "relation",
             "criteria": "criterion"}


def _where(fname: str, data: Any, loc: tuple) -> tuple[str, list]:
    """("measure.yaml, transition 'decide', field 'owner'", remaining loc) for a pydantic error location."""
    parts, node, rest = [fname], data, list(loc)
    while rest:
        key = rest[0]
        if key in _CONTAINERS and len(rest) > 1 and isinstance(rest[1], int) and isinstance(node, dict):
            kind, name_key = _CONTAINERS[key]
            items = node.get(key)
            item = items[rest[1]] if isinstance(items, list) and rest[1] < len(items) else None
            name = item.get(name_key) if name_key and isinstance(item, dict) else None
            parts.append(f"{kind} {name!r}" if name else f"{kind} #{rest[1] + 1}")
            node, rest = item, rest[2:]
        elif key in _MAPPINGS and len(rest) > 1 and isinstance(node, dict):
            parts.append(f"{_MAPPINGS[key]} {rest[1]!r}")
            node, rest = (node.get(key) or {}).get(rest[1]), rest[2:]
        else:
            break
    return ", ".join(parts), rest


def parse_file(model: type[BaseModel], fname: str, data: Any, errors: Errors):
    """The file as `model`, or None with every shape error added (unknown keys by name)."""
    if not isinstance(data, dict):
        errors.add(fname, "must be a mapping")
        return None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith(("str", "list["))))
            where, rest = _where(fname, data, loc)
            if err["type"] == "extra_forbidden":
                errors.add(where, f"unknown key {rest[-1]!r}")
            else:
                key = ".".join(str(p) for p in rest)
                errors.add(where, f"{key + ': ' if key else ''}{err['msg']} (found {err.get('input')!r})")
        return None


def _load_roles(path: Path, errors: Errors) -> RolesFile | None:
    if not path.exists():
        errors.add(path.name, "missing")
        return None
    spec = parse_file(RolesFile, path.name, read_yaml(path, errors), errors)
    if spec is not None:
        for name in list(spec.roles) + list(spec.relations):
            if not IDENTIFIER.match(name):
                errors.add(path.name, f"{name!r} must be an identifier")
    return spec


def _group_roles(spec: SignInGroupsSpec | None, roles: dict[str, Role], errors: Errors) -> GroupRoles | None:
    if spec is None:
        return None
    where = f"{ROLES_FILE}: sign_in_groups"
    for group, role in spec.groups.items():
        if role not in roles:
            errors.add(where, f"group {group!r} gives unknown role {role!r} (known: {', '.join(roles)})")
    if spec.without_group != "refuse" and spec.without_group not in roles:
        errors.add(where, f"without_group must be 'refuse' or a role, not {spec.without_group!r}")
    return GroupRoles(claim=spec.claim, groups=dict(spec.groups),
                      without_group=None if spec.without_group == "refuse" else spec.without_group)


def _load_vocabularies(path: Path, errors: Errors) -> dict[str, tuple[Option, ...]]:
    if not path.exists():
        return {}
    data = read_yaml(path, errors)
    if data is None:
        return {}
    if not isinstance(data, dict):
        errors.add(path.name, "must be a mapping of lists")
        return {}
    vocabularies: dict[str, tuple[Option, ...]] = {}
    for name, items in data.items():
        parsed = parse_file(_Vocabulary, f"{path.name}, vocabulary {name!r}", {"options": items}, errors)
        if parsed is not None:
            vocabularies[name] = tuple(Option(str(o.value), o.label, tuple(o.aliases)) for o in parsed.options)
    return vocabularies


class _Vocabulary(Strict):
    options: list[OptionSpec]


def _case_attributes(name: str) -> set[str] | None:
    from kfflow.kinds import KINDS  # the models know which attributes a case has

    if name not in KINDS:
        return None
    model = KINDS[name].model
    return {c.key for c in model.__mapper__.column_attrs}


# --- references between files ---------------------------------------------------------------------

@dataclass
class _Context:
    fname: str
    roles: dict[str, Role]
    relations: dict[str, str]
    vocabularies: dict[str, tuple[Option, ...]]
    errors: Errors
    states: dict[str, StateDef] = field(default_factory=dict)
    scoring: Any = None


def _check_roles(cx: _Context, where: str, roles: list[str], relation: str | None) -> None:
    for r in roles:
        if r not in cx.roles:
            cx.errors.add(where, f"unknown role {r!r} (known: {', '.join(cx.roles)})")
    if relation is not None and relation not in cx.relations:
        cx.errors.add(where, f"unknown relation {relation!r} (known: {', '.join(cx.relations)})")


def _field(cx: _Context, where: str, spec: FieldSpec, attributes) -> FieldDef | None:
    here = f"{where}, field {spec.name!r}"
    if spec.type not in FIELD_TYPES:
        cx.errors.add(here, f"unknown field type {spec.type!r} (known: {', '.join(FIELD_TYPES)})")
        return None
    options: tuple[Option, ...] = ()
    if spec.type == "choice":
        if spec.vocabulary:
            if spec.vocabulary not in cx.vocabularies:
                cx.errors.add(here, f"unknown vocabulary {spec.vocabulary!r}")
                return None
            options = cx.vocabularies[spec.vocabulary]
        else:
            options = tuple(Option(o, o) if isinstance(o, str) else Option(str(o.value), o.label)
                            for o in spec.options or ())
        if not options:
            cx.errors.add(here, "a choice needs options or a vocabulary")
    if spec.type == "scores" and cx.scoring is None:
        cx.errors.add(here, f"a scores field needs the scoring model, {SCORING_FILE}")
    if spec.assign and attributes is not None:
        column = f"{spec.name}_id" if spec.type == "user" else spec.name
        if column not in attributes:
            cx.errors.add(here, f"assign: the case has no attribute {column!r}")
    return FieldDef(name=spec.name, type=spec.type, label=spec.label or spec.name, required=spec.required,
                    assign=spec.assign, options=options, min=spec.min, max=spec.max)


def _states_of(cx: _Context, where: str, states) -> frozenset[str] | None:
    if states is None:
        return None
    if isinstance(states, TagRef):
        if states.tag not in TAGS:
            cx.errors.add(where, f"unknown tag {states.tag!r} (known: {', '.join(TAGS)})")
        return frozenset(n for n, s in cx.states.items() if states.tag in s.tags)
    for s in states:
        if s not in cx.states:
            cx.errors.add(where, f"unknown state {s!r}")
    return frozenset(states)


def _action(cx: _Context, name: str, spec: ActionSpec, triggers: set[str] | None) -> ActionDef:
    where = f"{cx.fname}, action {name!r}"
    own = spec.roles or spec.relation or spec.states is not None
    if not IDENTIFIER.match(name):
        cx.errors.add(where, "the name must be an identifier")
    if sum(map(bool, (own, spec.grants is not None, spec.transition is not None))) != 1:
        cx.errors.add(where, "needs exactly one of: roles/relation (with states), grants, transition")
    if spec.transition is not None:
        if triggers is None:
            cx.errors.add(where, "an organisation-wide action cannot be a transition")
        elif spec.transition not in triggers:
            cx.errors.add(where, f"unknown transition {spec.transition!r}")
        return ActionDef(name, spec.label, (), spec.transition)
    grants = []
    for i, g in enumerate(spec.grants if spec.grants is not None else [spec]):
        here = where if spec.grants is None else f"{where}, grant #{i + 1}"
        if not g.roles and not g.relation:
            cx.errors.add(here, "needs roles or a relation")
        _check_roles(cx, here, g.roles, g.relation)
        if triggers is None and (g.relation or g.states is not None):
            cx.errors.add(here, "an organisation-wide action has no case: roles only")
        grants.append(Grant(frozenset(g.roles), g.relation, _states_of(cx, here, g.states)))
    return ActionDef(name, spec.label, tuple(grants))


def _parse_workflow(path: Path, data: dict, roles, relations, vocabularies, errors: Errors,
                    scoring=None) -> WorkflowDef | None:
    fname = path.name
    spec = parse_file(WorkflowFile, fname, data, errors)
    if spec is None:
        return None
    if not IDENTIFIER.match(spec.name):
        errors.add(fname, f"name {spec.name!r} must be an identifier")
        return None
    cx = _Context(fname, roles, relations, vocabularies, errors, scoring=scoring)
    for sname, s in spec.states.items():
        if not IDENTIFIER.match(sname):
            errors.add(fname, f"state {sname!r} needs an identifier name")
        for tag in s.tags:
            if tag not in TAGS:
                errors.add(f"{fname}, state {sname!r}", f"unknown tag {tag!r} (known: {', '.join(TAGS)})")
        if "open" in s.tags and "closed" in s.tags:
            errors.add(f"{fname}, state {sname!r}", "a state cannot be both open and closed")
        cx.states[sname] = StateDef(sname, s.label, s.final, frozenset(s.tags))
    states = cx.states
    if spec.initial not in states:
        errors.add(fname, f"initial state {spec.initial!r} is not a defined state")
    attributes = _case_attributes(spec.name)
    transitions: list[TransitionDef] = []
    seen: set[tuple[str, str]] = set()
    for t in spec.transitions:
        where = f"{fname}, transition {t.trigger!r}"
        if not IDENTIFIER.match(t.trigger):
            errors.add(where, f"trigger {t.trigger!r} must be an identifier")
            continue
        if not t.source:
            errors.add(where, "needs a source")
        for s in t.source:
            if s not in states:
                errors.add(where, f"unknown source state {s!r}")
            if (t.trigger, s) in seen:
                errors.add(where, f"the same trigger twice from source {s!r}")
            seen.add((t.trigger, s))
        if t.dest is not None and t.dest not in states:
            errors.add(where, f"unknown dest state {t.dest!r}")
        if not t.roles and not t.relation:
            errors.add(where, "needs roles or a relation")
        _check_roles(cx, where, t.roles, t.relation)
        fields = [f for f in (_field(cx, where, fs, attributes) for fs in t.fields) if f]
        names = [f.name for f in fields]
        for dup in sorted({n for n in names if names.count(n) > 1}):
            errors.add(where, f"field {dup!r} given twice")
        for g in t.guards:
            if g not in GUARDS:
                errors.add(where, f"unknown guard {g!r} (known: {', '.join(sorted(GUARDS))})")
        for e in t.effects:
            if e not in EFFECTS:
                errors.add(where, f"unknown effect {e!r} (known: {', '.join(sorted(EFFECTS))})")
        transitions.append(TransitionDef(
            trigger=t.trigger, label=t.label or t.trigger, sources=tuple(t.source), dest=t.dest,
            roles=frozenset(t.roles), relation=t.relation, fields=tuple(fields), guards=tuple(t.guards),
            effects=tuple(t.effects), by_import=t.by_import, evidence=t.evidence))
    triggers = {t.trigger for t in transitions}
    actions = {}
    for name, a in spec.actions.items():
        if name in triggers:
            errors.add(f"{fname}, action {name!r}", "has the name of a transition")
        actions[name] = _action(cx, name, a, triggers)
    if spec.initial in states:
        reachable, queue = {spec.initial}, deque([spec.initial])
        while queue:
            current = queue.popleft()
            for t in transitions:
                if current in t.sources:
                    nxt = t.dest_from(current)
                    if nxt in states and nxt not in reachable:
                        reachable.add(nxt)
                        queue.append(nxt)
        for s in states:
            if s not in reachable:
                errors.add(fname, f"state {s!r} is unreachable from {spec.initial!r}")
    return WorkflowDef(name=spec.name, version=spec.version, initial=spec.initial, states=states,
                       transitions=tuple(transitions), actions=actions, history_labels=dict(spec.history),
                       source_file=path)


def load_workflows(path: Path | str) -> WorkflowSet:
    """Load and validate every definition under `path` (and `path/archive`); raise on any error."""
    path = Path(path)
    errors = Errors()
    if not path.is_dir():
        raise WorkflowDefinitionError(f"{path}: not a folder of workflow files")
    roles_spec = _load_roles(path / ROLES_FILE, errors)
    roles = {n: Role(n, r.label, r.description) for n, r in (roles_spec.roles if roles_spec else {}).items()}
    relations = {n: r.label for n, r in (roles_spec.relations if roles_spec else {}).items()}
    vocabularies = _load_vocabularies(path / VOCABULARIES_FILE, errors)
    result = WorkflowSet(roles=roles, relations=relations, vocabularies=vocabularies, path=path,
                         group_roles=_group_roles(roles_spec.sign_in_groups if roles_spec else None, roles, errors))
    result.scoring = load_scoring_model(path / SCORING_FILE, errors)
    if roles_spec is not None:
        cx = _Context(ROLES_FILE, roles, relations, vocabularies, errors)
        result.actions = {n: _action(cx, n, a, None) for n, a in roles_spec.actions.items()}
    files = sorted(path.glob("*.yaml")) + sorted((path / "archive").glob("*.yaml"))
    for file in files:
        if file.name in (ROLES_FILE, VOCABULARIES_FILE, SCORING_FILE):
            continue
        data = read_yaml(file, errors)
        if not isinstance(data, dict) or "transitions" not in data:
            continue  # not a lifecycle (other data files live here too)
        wf = _parse_workflow(file, data, roles, relations, vocabularies, errors, result.scoring)
        if wf is None:
            continue
        if wf.key in result.definitions:
            errors.add(file.name, f"{wf.name} version {wf.version} is also defined in "
                                  f"{result.definitions[wf.key].source_file.name}")
            continue
        result.definitions[wf.key] = wf
    if not result.definitions and not errors.lines:
        errors.add(str(path), "no workflow definitions found")
    if errors.lines:
        raise WorkflowDefinitionError("\n".join(errors.lines))
    return result
