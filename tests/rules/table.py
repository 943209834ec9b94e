"""The permission table of tests/rules/permissions.yaml, and valid field values for any transition."""
from __future__ import annotations

from pathlib import Path

import yaml

from kfflow.errors import GuardFailed, PermissionDenied

from tests.conftest import future

PERMISSIONS = yaml.safe_load((Path(__file__).parent / "permissions.yaml").read_text(encoding="utf-8"))
RELATIONS = (None, "owner", "proposer")


def rule(workflow: str, trigger: str) -> dict:
    return PERMISSIONS[workflow][trigger]


def expected_outcome(workflow: str, trigger: str, state: str, role: str, relation: str | None):
    """None when the fire must succeed, else the exact error class."""
    r = rule(workflow, trigger)
    permitted = role in r["roles"] or (relation is not None and relation == r.get("relation"))
    if not permitted:
        return PermissionDenied
    if state not in r["from"] or r.get("unmet_guard"):
        return GuardFailed
    return None


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
        else:
            values[f.name] = "Prov"
    return values
