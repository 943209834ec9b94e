"""The permission table of tests/rules/permissions.yaml, and valid field values for any transition."""
from __future__ import annotations

from pathlib import Path

import yaml

from kfflow.errors import GuardFailed, PermissionDenied

from tests.conftest import future
from tests.factories import SCORES

_TABLE = yaml.safe_load((Path(__file__).parent / "permissions.yaml").read_text(encoding="utf-8"))
ACTIONS = _TABLE.pop("actions")
ORGANISATION = _TABLE.pop("organisation")
PERMISSIONS = _TABLE  # the transitions, by workflow
RELATIONS = (None, "owner", "proposer")
ALL_ROLES = ("contributor", "owner", "council", "steering", "registrar", "admin")


def rule(workflow: str, trigger: str) -> dict:
    return PERMISSIONS[workflow][trigger]


def expected_outcome(workflow: str, trigger: str, state: str, role: str, relation: str | None):
    """None when the fire must succeed, else the exact error class."""
    r = rule(workflow, trigger)
    permitted = role in r["roles"] or (relation is not None and relation == r.get("relation"))
    if not permitted or r.get("by_import"):
        return PermissionDenied
    if state not in r["from"] or r.get("unmet_guard"):
        return GuardFailed
    return None


def action_allowed(workflow: str | None, action: str, state: str | None, role: str, relation: str | None) -> bool:
    """Whether the table lets `role` (with `relation` to the case) do `action` in `state`.

    `state` None asks without a case (roles only); `workflow` None is an organisation-wide action."""
    row = ORGANISATION[action] if workflow is None else ACTIONS[workflow][action]
    if isinstance(row, dict):  # the action is a transition
        r = rule(workflow, row["transition"])
        grants = [{"roles": r["roles"], "relation": r.get("relation"), "states": r["from"]}]
    else:
        grants = row
    for g in grants:
        roles = ALL_ROLES if g.get("roles") == "ALL" else g.get("roles", [])
        holds = role in roles or (state is not None and relation is not None and relation == g.get("relation"))
        if holds and (state is None or state in g.get("states", [state])):
            return True
    return False


def valid_values(fields, users) -> dict:
    values = {}
    for f in fields:
        if f.type == "date":
            values[f.name] = future(60).isoformat()
        elif f.type == "user":
            values[f.name] = users["other_owner"].username
        elif f.type == "number":
            values[f.name] = int(f.min if f.min is not None else 1)
        elif f.type == "choice":
            values[f.name] = f.options[0].value
        elif f.type == "measures":
            values[f.name] = []
        elif f.type == "scores":
            values[f.name] = dict(SCORES)
        else:
            values[f.name] = "Prov"
    return values
