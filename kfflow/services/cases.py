"""Moving a case through its lifecycle: the only way a case's state changes."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from kfflow.db import utcnow, write_transaction
from kfflow.errors import GuardFailed, PermissionDenied, StaleCase, ValidationError
from kfflow.models import HistoryEntry
from kfflow.services._common import STALE_MESSAGE, add_history, case_ref, load_actor_and_case, load_case
from kfflow.services.access import may_fire
from kfflow.workflow import get_workflows
from kfflow.workflow.definition import FieldDef, TransitionDef, WorkflowDef
from kfflow.workflow.engine import check_guards, record_fields, run_transition
from kfflow.workflow.fields import parse_fields, parse_version
from kfflow.workflow.registry import FireContext

log = logging.getLogger(__name__)



@dataclass(frozen=True)
class AvailableTransition:
    trigger: str
    label: str
    dest: str
    dest_label: str
    fields: tuple[FieldDef, ...]


def read_case(session: Session, kind: str, case_id: int):
    """A case to show (NotFound if there is none); changes go through `fire` and the other services."""
    return load_case(session, kind, case_id, for_write=False)


def workflow_of(case) -> WorkflowDef:
    return get_workflows().get(case.workflow_name, case.workflow_version)


def available_transitions(actor, case, *, now: datetime | None = None) -> list[AvailableTransition]:
    """Exactly the transitions this actor may fire on this case now, with the fields each requires."""
    if actor is None or not actor.active:
        return []
    wf = workflow_of(case)
    result = []
    for t in wf.transitions_from(case.state):
        if not may_fire(actor, case, t):
            continue
        ctx = FireContext(session=object_session(case), actor=actor, case=case, transition=t,
                          fields=None, now=now or utcnow())
        if check_guards(ctx, t, with_fields=False):
            continue
        dest = t.dest_from(case.state)
        result.append(AvailableTransition(t.trigger, t.label, dest, wf.state_label(dest), t.fields))
    return result


def _resolve_transition(wf: WorkflowDef, trigger: str, state: str) -> TransitionDef:
    transition = wf.find(trigger, state) or wf.any_with_trigger(trigger)
    if transition is None:
        raise ValidationError("Okänd övergång.", {"trigger": f"Övergången ”{trigger}” finns inte."})
    return transition


def fire(session: Session, actor, case, trigger: str, fields: dict | None = None,
         expected_version: int | None = None, *, now: datetime | None = None, comment: str | None = None):
    """Fire `trigger` on `case` (a case object or a (kind, id) pair) as `actor`.

    In order: role and relation → PermissionDenied; fields → ValidationError; version → StaleCase;
    state and guards → GuardFailed; then apply, append one history entry and commit once.
    On any failure nothing at all is written. `expected_version=None` skips the caller's version
    check; the UPDATE is still guarded by the version column.
    """
    kind, case_id = case_ref(case)
    with write_transaction(session):
        actor, obj = load_actor_and_case(session, actor, kind, case_id)
        return fire_in_transaction(session, actor, obj, trigger, fields, expected_version,
                                   now=now or utcnow(), comment=comment)


def fire_in_transaction(session: Session, actor, case, trigger: str, fields: dict | None,
                        expected_version: int | None, *, now: datetime, comment: str | None = None):
    """The steps of `fire` inside a transaction the caller owns (a bulk handover fires many in one).

    `case` is a case object loaded in this transaction, or a (kind, id) pair to load.
    """
    kind, case_id = case_ref(case)
    obj = case if not isinstance(case, tuple) else load_case(session, kind, case_id)
    wf = workflow_of(obj)
    transition = _resolve_transition(wf, trigger, obj.state)
    if not may_fire(actor, obj, transition):
        raise PermissionDenied(f"Din roll får inte ”{transition.label}” i det här ärendet.")
    values, errors = parse_fields(session, transition.fields, fields or {}, type(obj))
    if errors:
        raise ValidationError("Några uppgifter saknas eller är felaktiga.", errors)
    expected_version = parse_version(expected_version)
    if expected_version is not None and expected_version != obj.version:
        raise StaleCase(STALE_MESSAGE)
    if obj.state not in transition.sources:
        raise GuardFailed(f"”{transition.label}” kan inte göras när ärendet är "
                          f"{wf.state_label(obj.state).lower()}.", state_moved=expected_version is None)
    ctx = FireContext(session=session, actor=actor, case=obj, transition=transition, fields=values, now=now)
    from_state = obj.state
    run_transition(wf, ctx)
    add_history(session, case=obj, trigger=trigger, from_state=from_state, actor=actor, at=now,
                fields=record_fields(ctx), comment=comment)
    log.info("fired %s on %s %s as %s: %s -> %s", trigger, kind, case_id, actor.username, from_state, obj.state)
    return obj


def history_of(session: Session, case) -> list[HistoryEntry]:
    kind, case_id = case_ref(case)
    return list(session.scalars(select(HistoryEntry)
                                .where(HistoryEntry.case_kind == kind, HistoryEntry.case_id == case_id)
                                .order_by(HistoryEntry.id)))
