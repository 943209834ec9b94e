"""Load the lifecycle files and validate them strictly: every error names its file, transition and value."""
from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kfflow.errors import WorkflowDefinitionError
from kfflow.workflow.definition import FIELD_TYPES, FieldDef, Option, StateDef, TransitionDef, WorkflowDef
from kfflow.workflow.registry import EFFECTS, GUARDS

ROLES_FILE = "roles.yaml"
VOCABULARIES_FILE = "vocabularies.yaml"
IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")
TRANSITION_KEYS = {"trigger", "label", "source", "dest", "roles", "relation", "fields", "guards", "effects"}
FIELD_KEYS = {"name", "type", "label", "required", "assign", "options", "vocabulary", "min", "max"}
WORKFLOW_KEYS = {"name", "version", "initial", "states", "transitions"}


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
    group_roles: GroupRoles | None = None

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


class _Errors:
    def __init__(self):
        self.lines: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.lines.append(f"{where}: {message}")


def _read_yaml(path: Path, errors: _Errors) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        errors.add(path.name, f"cannot be read as YAML: {exc}")
        return None


def _load_roles(path: Path, errors: _Errors) -> tuple[dict[str, Role], dict[str, str]]:
    data = _read_yaml(path, errors) if path.exists() else errors.add(path.name, "missing") or None
    if not isinstance(data, dict) or not isinstance(data.get("roles"), dict):
        if data is not None:
            errors.add(path.name, "must have a mapping 'roles'")
        return {}, {}
    roles = {}
    for name, spec in data["roles"].items():
        spec = spec or {}
        if not IDENTIFIER.match(str(name)) or not isinstance(spec, dict) or not spec.get("label"):
            errors.add(path.name, f"role {name!r} needs an identifier name and a label")
            continue
        roles[name] = Role(name, spec["label"], spec.get("description", ""))
    relations = {}
    for name, spec in (data.get("relations") or {}).items():
        relations[name] = (spec or {}).get("label", name)
    return roles, relations


def _load_group_roles(path: Path, roles: dict[str, Role], errors: _Errors) -> GroupRoles | None:
    data = _read_yaml(path, errors) if path.exists() else None
    spec = data.get("sign_in_groups") if isinstance(data, dict) else None
    if spec is None:
        return None
    where = f"{path.name}: sign_in_groups"
    if not isinstance(spec, dict) or set(spec) - {"claim", "groups", "without_group"}:
        errors.add(where, "must be a mapping with claim, groups and without_group")
        return None
    claim, groups, without = spec.get("claim"), spec.get("groups"), spec.get("without_group", "refuse")
    if not isinstance(claim, str) or not claim:
        errors.add(where, "claim must name the ID token claim that holds the groups")
    if not isinstance(groups, dict) or not groups:
        errors.add(where, "groups must map group names to roles")
        groups = {}
    for group, role in groups.items():
        if role not in roles:
            errors.add(where, f"group {group!r} gives unknown role {role!r} (known: {', '.join(roles)})")
    if without != "refuse" and without not in roles:
        errors.add(where, f"without_group must be 'refuse' or a role, not {without!r}")
    return GroupRoles(claim=str(claim), groups={str(g): str(r) for g, r in groups.items()},
                      without_group=None if without == "refuse" else without)


def _load_vocabularies(path: Path, errors: _Errors) -> dict[str, tuple[Option, ...]]:
    if not path.exists():
        return {}
    data = _read_yaml(path, errors)
    vocabularies: dict[str, tuple[Option, ...]] = {}
    if not isinstance(data, dict):
        if data is not None:
            errors.add(path.name, "must be a mapping of lists")
        return vocabularies
    for name, items in data.items():
        options = []
        for i, item in enumerate(items or []):
            if not isinstance(item, dict) or "value" not in item or "label" not in item:
                errors.add(path.name, f"{name}[{i}] needs value and label")
                continue
            options.append(Option(str(item["value"]), str(item["label"]),
                                  tuple(str(a) for a in item.get("aliases") or ())))
        vocabularies[name] = tuple(options)
    return vocabularies


def _as_list(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _case_attributes(name: str) -> set[str] | None:
    from kfflow.kinds import KINDS  # the models know which attributes a case has

    if name not in KINDS:
        return None
    model = KINDS[name].model
    return {c.key for c in model.__mapper__.column_attrs}


def _parse_field(where: str, spec: Any, vocabularies, attributes, errors: _Errors) -> FieldDef | None:
    if not isinstance(spec, dict) or not spec.get("name"):
        errors.add(where, f"field {spec!r} needs a name")
        return None
    name = str(spec["name"])
    here = f"{where}, field {name!r}"
    for key in set(spec) - FIELD_KEYS:
        errors.add(here, f"unknown key {key!r}")
    ftype = spec.get("type")
    if ftype not in FIELD_TYPES:
        errors.add(here, f"unknown field type {ftype!r} (known: {', '.join(FIELD_TYPES)})")
        return None
    options: tuple[Option, ...] = ()
    if ftype == "choice":
        if spec.get("vocabulary"):
            if spec["vocabulary"] not in vocabularies:
                errors.add(here, f"unknown vocabulary {spec['vocabulary']!r}")
                return None
            options = vocabularies[spec["vocabulary"]]
        else:
            options = tuple(Option(str(o["value"]), str(o.get("label", o["value"])))
                            if isinstance(o, dict) else Option(str(o), str(o))
                            for o in _as_list(spec.get("options")))
        if not options:
            errors.add(here, "a choice needs options or a vocabulary")
    assign = bool(spec.get("assign", False))
    if assign and attributes is not None:
        column = f"{name}_id" if ftype == "user" else name
        if column not in attributes:
            errors.add(here, f"assign: the case has no attribute {column!r}")
    for bound in ("min", "max"):
        if spec.get(bound) is not None and not isinstance(spec[bound], (int, float)):
            errors.add(here, f"{bound} must be a number, not {spec[bound]!r}")
    return FieldDef(name=name, type=ftype, label=str(spec.get("label") or name),
                    required=bool(spec.get("required", True)), assign=assign, options=options,
                    min=spec.get("min"), max=spec.get("max"))


def _parse_workflow(path: Path, data: dict, roles, relations, vocabularies, errors: _Errors) -> WorkflowDef | None:
    fname = path.name
    for key in set(data) - WORKFLOW_KEYS:
        errors.add(fname, f"unknown key {key!r}")
    name, version = data.get("name"), data.get("version")
    if not isinstance(name, str) or not IDENTIFIER.match(name):
        errors.add(fname, f"name {name!r} must be an identifier")
        return None
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        errors.add(fname, f"version {version!r} must be a whole number from 1")
        return None
    raw_states = data.get("states")
    if not isinstance(raw_states, dict) or not raw_states:
        errors.add(fname, "states must be a non-empty mapping")
        return None
    states = {}
    for sname, spec in raw_states.items():
        spec = spec or {}
        if not IDENTIFIER.match(str(sname)) or not isinstance(spec, dict) or not spec.get("label"):
            errors.add(fname, f"state {sname!r} needs an identifier name and a label")
            continue
        states[sname] = StateDef(sname, str(spec["label"]), bool(spec.get("final", False)))
    initial = data.get("initial")
    if initial not in states:
        errors.add(fname, f"initial state {initial!r} is not a defined state")
    attributes = _case_attributes(name)
    transitions: list[TransitionDef] = []
    seen: dict[tuple[str, str], int] = {}
    for i, spec in enumerate(_as_list(data.get("transitions"))):
        if not isinstance(spec, dict):
            errors.add(fname, f"transition #{i + 1} must be a mapping")
            continue
        trigger = spec.get("trigger")
        where = f"{fname}, transition {trigger!r}" if trigger else f"{fname}, transition #{i + 1}"
        if not isinstance(trigger, str) or not IDENTIFIER.match(trigger):
            errors.add(where, f"trigger {trigger!r} must be an identifier")
            continue
        for key in set(spec) - TRANSITION_KEYS:
            errors.add(where, f"unknown key {key!r}")
        sources = [str(s) for s in _as_list(spec.get("source"))]
        if not sources:
            errors.add(where, "needs a source")
        for s in sources:
            if s not in states:
                errors.add(where, f"unknown source state {s!r}")
            if (trigger, s) in seen:
                errors.add(where, f"the same trigger twice from source {s!r}")
            seen[(trigger, s)] = i
        dest = spec.get("dest")
        if dest is not None and dest not in states:
            errors.add(where, f"unknown dest state {dest!r}")
        role_list = [str(r) for r in _as_list(spec.get("roles"))]
        if not role_list and not spec.get("relation"):
            errors.add(where, "needs roles or a relation")
        for r in role_list:
            if r not in roles:
                errors.add(where, f"unknown role {r!r} (known: {', '.join(roles)})")
        relation = spec.get("relation")
        if relation is not None and relation not in relations:
            errors.add(where, f"unknown relation {relation!r} (known: {', '.join(relations)})")
        fields = [f for f in (_parse_field(where, fs, vocabularies, attributes, errors)
                              for fs in _as_list(spec.get("fields"))) if f]
        names = [f.name for f in fields]
        for dup in {n for n in names if names.count(n) > 1}:
            errors.add(where, f"field {dup!r} given twice")
        guards = [str(g) for g in _as_list(spec.get("guards"))]
        for g in guards:
            if g not in GUARDS:
                errors.add(where, f"unknown guard {g!r} (known: {', '.join(sorted(GUARDS))})")
        effects = [str(e) for e in _as_list(spec.get("effects"))]
        for e in effects:
            if e not in EFFECTS:
                errors.add(where, f"unknown effect {e!r} (known: {', '.join(sorted(EFFECTS))})")
        transitions.append(TransitionDef(
            trigger=trigger, label=str(spec.get("label") or trigger), sources=tuple(sources), dest=dest,
            roles=frozenset(role_list), relation=relation, fields=tuple(fields),
            guards=tuple(guards), effects=tuple(effects)))
    if initial in states:
        reachable, queue = {initial}, deque([initial])
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
                errors.add(fname, f"state {s!r} is unreachable from {initial!r}")
    return WorkflowDef(name=name, version=version, initial=initial, states=states,
                       transitions=tuple(transitions), source_file=path)


def load_workflows(path: Path | str) -> WorkflowSet:
    """Load and validate every definition under `path` (and `path/archive`); raise on any error."""
    path = Path(path)
    errors = _Errors()
    if not path.is_dir():
        raise WorkflowDefinitionError(f"{path}: not a folder of workflow files")
    roles, relations = _load_roles(path / ROLES_FILE, errors)
    vocabularies = _load_vocabularies(path / VOCABULARIES_FILE, errors)
    result = WorkflowSet(roles=roles, relations=relations, vocabularies=vocabularies, path=path,
                         group_roles=_load_group_roles(path / ROLES_FILE, roles, errors))
    files = sorted(path.glob("*.yaml")) + sorted((path / "archive").glob("*.yaml"))
    for file in files:
        if file.name in (ROLES_FILE, VOCABULARIES_FILE):
            continue
        data = _read_yaml(file, errors)
        if not isinstance(data, dict) or "transitions" not in data:
            continue  # not a lifecycle (other data files live here too)
        wf = _parse_workflow(file, data, roles, relations, vocabularies, errors)
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
