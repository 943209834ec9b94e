"""Hand open cases over to a new owner in bulk — as when the special programme ended and HR took over.

One service for the web interface's bulk action and `kfflow handover`: every case is reassigned through
its lifecycle's `reassign` transition (so roles and history work as for one case), all in one
transaction: either every selected case is handed over or none is.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kfflow.db import utcnow, write_transaction
from kfflow.errors import PermissionDenied, ValidationError
from kfflow.kinds import KINDS, kind_of
from kfflow.models import User
from kfflow.services._common import load_actor
from kfflow.services.access import may_fire
from kfflow.services.cases import fire_in_transaction, workflow_of
from kfflow.workflow.fields import parse_fields
from kfflow.workflow.definition import FieldDef

TRIGGER = "reassign"


@dataclass
class HandoverResult:
    handed_over: list[tuple[str, int, str]] = field(default_factory=list)   # (kind, id, title)
    skipped: list[tuple[str, int, str, str]] = field(default_factory=list)  # (kind, id, title, why)
    dry_run: bool = False


def select_cases(session: Session, *, from_owner: User | None = None, states: list[str] | None = None,
                 case_ids: list[tuple[str, int]] | None = None) -> list:
    """The cases a handover would touch, in a stable order."""
    found = []
    for kind in KINDS.values():
        model = kind.model
        stmt = select(model).order_by(model.id)
        if case_ids is not None:
            ids = [i for name, i in case_ids if name == kind.name]
            if not ids:
                continue
            stmt = stmt.where(model.id.in_(ids))
        if from_owner is not None:
            stmt = stmt.where(model.owner_id == from_owner.id)
        if states:
            stmt = stmt.where(model.state.in_(states))
        found.extend(session.scalars(stmt))
    return found


def hand_over(session: Session, actor, *, to_owner: str, reason: str, from_owner: str | None = None,
              states: list[str] | None = None, case_ids: list[tuple[str, int]] | None = None,
              dry_run: bool = False, now: datetime | None = None) -> HandoverResult:
    """Reassign every matching open case to `to_owner` with `reason`, one history entry per case."""
    if from_owner is None and case_ids is None:
        raise ValidationError("Ange vilka ärenden som ska lämnas över.",
                              {"from_owner": "Ange nuvarande ansvarig eller välj ärenden."})
    now = now or utcnow()
    with write_transaction(session):
        actor = load_actor(session, actor)
        given = (FieldDef("to_owner", "user", "Ny ansvarig"), FieldDef("reason", "text", "Motivering"))
        raw = {"to_owner": to_owner, "reason": reason}
        if from_owner is not None:
            given += (FieldDef("from_owner", "user", "Nuvarande ansvarig"),)
            raw["from_owner"] = from_owner
        values, errors = parse_fields(session, given, raw)
        if errors:
            raise ValidationError("Överlämningen kunde inte göras.", errors)
        result = HandoverResult(dry_run=dry_run)
        for case in select_cases(session, from_owner=values.get("from_owner"), states=states, case_ids=case_ids):
            transition = workflow_of(case).find(TRIGGER, case.state)
            if transition is None:
                result.skipped.append((case.case_kind, case.id, kind_of(case).title(case), "inte öppen för ny ansvarig"))
                continue
            if not may_fire(actor, case, transition):
                # One case the actor may not touch stops the whole handover: all or nothing.
                raise PermissionDenied(f"Du får inte byta ansvarig för ”{kind_of(case).title(case)}”.")
            if case.owner_id == values["to_owner"].id:
                result.skipped.append((case.case_kind, case.id, kind_of(case).title(case), "har redan den ansvarige"))
                continue
            if not dry_run:
                fire_in_transaction(session, actor, case, TRIGGER,
                                    {"owner": values["to_owner"], "reason": values["reason"]}, None,
                                    now=now, comment="Överlämning")
            result.handed_over.append((case.case_kind, case.id, kind_of(case).title(case)))
    return result
