"""Proposing, editing and reporting on measures."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import ClassVar

from sqlalchemy.orm import Session

from kfflow.clock import local_today
from kfflow.db import utcnow, write_transaction
from kfflow.errors import PermissionDenied, ValidationError
from kfflow.models import Measure, ProgressReport
from kfflow.services._common import (add_history, add_history_rows, bulk_insert, check_version, history_row,
                                     load_actor, load_actor_and_case, populate, reserve_ids)
from kfflow.evidence import Upload
from kfflow.services.access import may, refusal, require
from kfflow.services.evidence import attach_in_transaction, check_evidence, evidence_record
from kfflow.services.secrecy import require_readable
from kfflow.workflow import get_workflows
from kfflow.workflow.attributes import PROGRESS
from kfflow.workflow.fields import parse_date, parse_fields, to_record
from kfflow.workflow.measure_attributes import parse_measure_attributes

PROGRESS_FIELDS = PROGRESS.fields()  # a progress report's three questions (the web form and the API body)


def propose_measure(session: Session, actor, data: dict, *, now: datetime | None = None,
                    comment: str | None = None) -> Measure:
    """A signed-in user proposes a measure (`propose` in measure.yaml); it starts in the initial state."""
    now = now or utcnow()
    with write_transaction(session):
        actor = load_actor(session, actor)
        require(actor, "propose", kind="measure")
        values, errors = parse_measure_attributes(session, data, partial=False)
        if errors:
            raise ValidationError("Förslaget kunde inte sparas.", errors)
        measure_id = propose_measures_in_transaction(session, actor, [values], now=now, comments=[comment])[0]
        return session.get(Measure, measure_id)


@dataclass
class NewMeasure:
    """A measure inserted in bulk, without an ORM object: what history rows and the engine need of it."""
    id: int
    state: str
    workflow_version: int
    version: int = 1
    proposer_id: int | None = None
    owner_id: int | None = None
    due_date: date | None = None
    case_kind: ClassVar[str] = "measure"
    workflow_name: ClassVar[str] = "measure"


def propose_measures_in_transaction(session: Session, actor, values_list: list[dict], *, now: datetime,
                                    comments: list[str | None]) -> list[int]:
    """Add measures from already parsed values in the initial state, one "propose" history entry each.

    Inside a transaction the caller owns; returns the new ids in order. `actor` None is the operator at
    the command line (an import without a user); the history then has no actor and the comment says
    where the measures came from. Rows go in as two bulk inserts (measures, history: COPY on PostgreSQL),
    so an import of thousands costs about what a bare bulk insert does.
    """
    wf = get_workflows().current("measure")
    ids = reserve_ids(session, Measure.__table__, len(values_list))
    columns = sorted({k for values in values_list for k in values})  # executemany needs the same keys
    rows = [{**{c: values.get(c) for c in columns}, "id": measure_id, "state": wf.initial,
             "workflow_name": wf.name, "workflow_version": wf.version, "version": 1,
             "proposer_id": actor.id if actor else None, "created_at": now, "updated_at": now}
            for measure_id, values in zip(ids, values_list)]
    bulk_insert(session, Measure.__table__, rows)
    add_history_rows(session, [
        history_row(case=NewMeasure(measure_id, wf.initial, wf.version), trigger="propose", from_state=None,
                    actor=actor, at=now, fields={k: to_record(v) for k, v in values.items() if v is not None},
                    comment=comment)
        for measure_id, values, comment in zip(ids, values_list, comments)])
    return ids


def update_measure(session: Session, actor, measure_id: int, changes: dict, expected_version: int | None,
                   *, now: datetime | None = None) -> Measure:
    """Edit plain attributes; one history entry lists what changed from what."""
    now = now or utcnow()
    with write_transaction(session):
        actor, measure = load_actor_and_case(session, actor, "measure", measure_id)
        if not may(actor, "edit", measure):  # a proposer's edit ends with the proposal, as if never given
            raise PermissionDenied("Du får inte ändra den här åtgärden.")
        require_readable(session, actor, measure)
        values, errors = parse_measure_attributes(session, changes, partial=True)
        if errors:
            raise ValidationError("Ändringen kunde inte sparas.", errors)
        check_version(measure, expected_version)
        change_measure_in_transaction(session, actor, measure, values, now=now)
    return measure


def change_measure_in_transaction(session: Session, actor, measure: Measure, values: dict, *, now: datetime,
                                  comment: str | None = None) -> dict:
    """Apply parsed attribute values; one "edit" history entry lists what changed from what.

    Inside a transaction the caller owns, after it checked the actor may edit. Returns the changes.
    """
    changed = populate(measure, values)
    if changed:
        add_history(session, case=measure, trigger="edit", from_state=measure.state, actor=actor, at=now,
                    fields=changed, comment=comment)
    return changed


def add_progress_report(session: Session, actor, measure_id: int, *, done: str | None, ongoing: str | None,
                        planned: str | None, reported_on: date | None = None, expected_version: int | None = None,
                        attachments: list[Upload] | None = None, now: datetime | None = None) -> ProgressReport:
    """"Vad är gjort? / Vad pågår? / Vad finns planerat?" on a running measure (`report_progress`).

    A report changes the measure: its version moves (StaleCase when the caller saw another) and the
    history records the report. `attachments` are evidence files, kept with the report or, when one is
    refused, neither.
    """
    now = now or utcnow()
    with write_transaction(session):
        actor, measure = load_actor_and_case(session, actor, "measure", measure_id)
        refused = refusal(actor, "report_progress", measure)
        if isinstance(refused, PermissionDenied):
            raise PermissionDenied("Du får inte rapportera läget för den här åtgärden.")
        texts, errors = parse_fields(session, PROGRESS_FIELDS, {"done": done, "ongoing": ongoing, "planned": planned},
                                     ProgressReport)
        if reported_on is not None:
            try:
                reported_on = parse_date(reported_on)
            except ValueError as exc:
                errors["reported_on"] = f"Datum: {exc}"
        files, file_errors = check_evidence(attachments)
        errors.update(file_errors)
        if errors:
            raise ValidationError("Rapporten kunde inte sparas.", errors)
        if not any(texts.values()) and not files:
            raise ValidationError("Rapporten är tom.", {"done": "Fyll i minst en av frågorna."})
        if refused is not None:
            raise refused
        check_version(measure, expected_version)
        measure.updated_at = now  # an UPDATE of the measure's row, so its version moves
        report = ProgressReport(measure_id=measure.id, reported_on=reported_on or local_today(now), author_id=actor.id,
                                created_at=now, **{k: v or None for k, v in texts.items()})
        session.add(report)
        add_history(session, case=measure, trigger="report_progress", from_state=measure.state, actor=actor,
                    at=now, fields={**{k: v for k, v in texts.items() if v}, **evidence_record(files)})
        attach_in_transaction(session, actor, measure, files, now=now, progress_report=report)  # flushed: has an id
    return report
