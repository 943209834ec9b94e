"""Moving a case through its lifecycle: the only way a case's state changes."""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from kfflow.db import utcnow, write_transaction
from kfflow.errors import GuardFailed, PermissionDenied, StaleCase, ValidationError
from kfflow.evidence import CheckedFile, Upload
from kfflow.kinds import KINDS
from kfflow.models import HistoryEntry
from kfflow.services._common import (STALE_MESSAGE, add_history, add_history_rows, case_ref, history_row,
                                     load_actor_and_case, load_case)
from kfflow.services.evidence import FIELD as EVIDENCE_INPUT
from kfflow.services.evidence import attach_in_transaction, check_evidence, evidence_record
from kfflow.services.access import AvailableTransition, available_transitions, may_fire, workflow_of
from kfflow.workflow.definition import TransitionDef, WorkflowDef
from kfflow.workflow.engine import record_fields, run_transition
from kfflow.workflow.fields import parse_fields, parse_version
from kfflow.workflow.registry import FireContext

log = logging.getLogger(__name__)

__all__ = ["AvailableTransition", "available_transitions", "fire", "fire_in_transaction",
           "fire_imported_in_transaction", "history_of", "transition_for", "workflow_of"]


def read_case(session: Session, kind: str, case_id: int):
    """A case to show (NotFound if there is none); changes go through `fire` and the other services."""
    return load_case(session, kind, case_id, for_write=False)


def transition_for(case, trigger: str) -> TransitionDef | None:
    """The transition `fire` runs for `trigger` on `case`: the one leaving its state, else any with that trigger
    (so that a refusal can name it); None when the case's lifecycle has no such trigger. The only resolver:
    the pages ask it which form to show."""
    wf = workflow_of(case)
    return wf.find(trigger, case.state) or wf.any_with_trigger(trigger)


def _resolve_transition(case, trigger: str) -> TransitionDef:
    transition = transition_for(case, trigger)
    if transition is None:
        raise ValidationError("Okänd övergång.", {"trigger": f"Övergången ”{trigger}” finns inte."})
    return transition


def fire(session: Session, actor, case, trigger: str, fields: dict | None = None,
         expected_version: int | None = None, *, now: datetime | None = None, comment: str | None = None,
         attachments: list[Upload] | None = None):
    """Fire `trigger` on `case` (a case object or a (kind, id) pair) as `actor`.

    In order: role and relation → PermissionDenied; fields → ValidationError; version → StaleCase;
    state and guards → GuardFailed; then apply, append one history entry and commit once.
    On any failure nothing at all is written. `expected_version=None` skips the caller's version
    check; the UPDATE is still guarded by the version column. `attachments`: evidence files, for a transition
    the lifecycle declares `evidence: true` (checked with its fields, stored with its history entry).
    """
    kind, case_id = case_ref(case)
    with write_transaction(session):
        actor, obj = load_actor_and_case(session, actor, kind, case_id)
        return fire_in_transaction(session, actor, obj, trigger, fields, expected_version,
                                   now=now or utcnow(), comment=comment, attachments=attachments)


def fire_in_transaction(session: Session, actor, case, trigger: str, fields: dict | None,
                        expected_version: int | None, *, now: datetime, comment: str | None = None,
                        attachments: list[Upload] | None = None):
    """The steps of `fire` inside a transaction the caller owns (a bulk handover fires many in one).

    `case` is a case object loaded in this transaction, or a (kind, id) pair to load.
    """
    kind, case_id = case_ref(case)
    obj = case if not isinstance(case, tuple) else load_case(session, kind, case_id)
    wf = workflow_of(obj)
    transition = _resolve_transition(obj, trigger)
    if transition.by_import:
        raise PermissionDenied(f"”{transition.label}” görs bara av inläsningen från fil.")
    values, files = _checked_fields(session, actor, obj, transition, fields, attachments)
    expected_version = parse_version(expected_version)
    if expected_version is not None and expected_version != obj.version:
        raise StaleCase(STALE_MESSAGE)
    _check_state(wf, obj, transition, state_moved=expected_version is None)
    ctx = FireContext(session=session, actor=actor, case=obj, transition=transition, fields=values, now=now)
    from_state = obj.state
    run_transition(wf, ctx)
    add_history(session, case=obj, trigger=trigger, from_state=from_state, actor=actor, at=now,
                fields={**record_fields(ctx), **evidence_record(files)}, comment=comment)
    attach_in_transaction(session, actor, obj, files, now=now)
    log.info("fired %s on %s %s as %s: %s -> %s", trigger, kind, case_id, actor.username, from_state, obj.state)
    return obj


def _checked_fields(session: Session, actor, case, transition: TransitionDef, fields: dict | None,
                    attachments: list[Upload] | None = None) -> tuple[dict, list[CheckedFile]]:
    """Role or relation (PermissionDenied), then the fields' values and the evidence files (ValidationError).

    `actor` None is the operator at the command line (an import without --as), who holds the database."""
    if actor is not None and not may_fire(actor, case, transition):
        raise PermissionDenied(f"Din roll får inte ”{transition.label}” i det här ärendet.")
    values, errors = parse_fields(session, transition.fields, fields or {}, KINDS[case.case_kind].model)
    files, file_errors = check_evidence(attachments)
    if file_errors and transition.evidence:
        errors.update(file_errors)
    elif (files or file_errors) and not transition.evidence:
        errors[EVIDENCE_INPUT] = f"”{transition.label}” tar inte emot underlag."
    if errors:
        raise ValidationError("Några uppgifter saknas eller är felaktiga.", errors)
    return values, files


def _check_state(wf: WorkflowDef, case, transition: TransitionDef, *, state_moved: bool) -> None:
    if case.state not in transition.sources:
        raise GuardFailed(f"”{transition.label}” kan inte göras när ärendet är "
                          f"{wf.state_label(case.state).lower()}.", state_moved=state_moved)


def fire_imported_in_transaction(session: Session, actor, trigger: str, cases: list, fields: list[dict], *,
                                 now: datetime, comment: str | None = None) -> None:
    """Fire a `by_import` transition on many cases an import has just added, in a transaction it owns.

    The steps of `fire` (role, fields, state, guards, assignments and effects through the engine, one
    history entry each) on light case objects instead of ORM rows, written as one executemany UPDATE,
    so that thousands of rows cost about one statement.
    """
    if not cases:
        return
    kind = cases[0].case_kind
    wf = workflow_of(cases[0])
    table = KINDS[kind].model.__table__
    transition = _resolve_transition(cases[0], trigger)
    if not transition.by_import:
        raise PermissionDenied(f"”{transition.label}” är ingen övergång för inläsning.")
    assigned = [f"{f.name}_id" if f.type == "user" else f.name for f in transition.fields if f.assign]
    rows, history = [], []
    for case, raw in zip(cases, fields):
        values, _files = _checked_fields(session, actor, case, transition, raw)
        _check_state(wf, case, transition, state_moved=True)
        ctx = FireContext(session=session, actor=actor, case=case, transition=transition, fields=values, now=now)
        from_state = case.state
        run_transition(wf, ctx)
        case.version += 1
        rows.append({"b_id": case.id, "b_state": case.state, **{f"b_{c}": getattr(case, c) for c in assigned}})
        history.append(history_row(case=case, trigger=trigger, from_state=from_state, actor=actor, at=now,
                                   fields=record_fields(ctx), comment=comment))
    session.execute(update(table).where(table.c.id == bindparam("b_id")).values(
        state=bindparam("b_state"), version=table.c.version + 1, **{c: bindparam(f"b_{c}") for c in assigned}),
        rows)
    add_history_rows(session, history)
    log.info("fired %s on %d %s cases by import", trigger, len(cases), kind)


def history_of(session: Session, case) -> list[HistoryEntry]:
    kind, case_id = case_ref(case)
    return list(session.scalars(select(HistoryEntry)
                                .where(HistoryEntry.case_kind == kind, HistoryEntry.case_id == case_id)
                                .order_by(HistoryEntry.id)))
