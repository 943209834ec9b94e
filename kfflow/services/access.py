"""Who may do what: the one place role and relation checks are made."""
from __future__ import annotations

from kfflow.errors import PermissionDenied
from kfflow.workflow.definition import TransitionDef


def has_relation(actor, case, relation: str | None) -> bool:
    if relation == "owner":
        return case.owner_id is not None and case.owner_id == actor.id
    if relation == "proposer":
        return getattr(case, "proposer_id", None) is not None and case.proposer_id == actor.id
    return False


def may_fire(actor, case, transition: TransitionDef) -> bool:
    if actor is None or not actor.active:
        return False
    return actor.role in transition.roles or has_relation(actor, case, transition.relation)


def require_active(actor) -> None:
    if actor is None or not actor.active:
        raise PermissionDenied("Du måste vara inloggad med ett aktivt konto.")


def require_role(actor, *roles: str, action: str = "göra detta") -> None:
    require_active(actor)
    if actor.role not in roles:
        raise PermissionDenied(f"Din roll får inte {action}.")
