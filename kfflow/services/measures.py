"""Proposing, editing and reporting on measures."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import ClassVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from kfflow.db import utcnow, write_transaction
from kfflow.errors import GuardFailed, PermissionDenied, StaleCase, ValidationError
from kfflow.models import Body, Measure, ProgressReport
from kfflow.services._common import (add_history, add_history_rows, bulk_insert, history_row, load_actor,
                                     load_actor_and_case, reserve_ids)
from kfflow.services.access import has_relation
from kfflow.services.cases import STALE_MESSAGE
from kfflow.workflow import get_workflows
from kfflow.workflow.definition import FieldDef
from kfflow.workflow.fields import parse_fields, to_record

OPEN_STATES = ("proposed", "prioritised", "decided", "implemented")
REPORTABLE_STATES = ("decided", "implemented")
EDITORS = ("steering", "registrar")  # roles that may edit any measure's plain attributes


def _vocab(name: str):
    return get_workflows().vocabulary(name)


def attribute_fields() -> tuple[FieldDef, ...]:
    """The plain attributes of a measure that people write directly (not through a transition)."""
    return (
        FieldDef("title", "text", "Titel"),
        FieldDef("description", "text", "Beskrivning", required=False),
        FieldDef("category", "choice", "Kategori", required=False, options=_vocab("categories")),
        FieldDef("working_group", "choice", "Arbetsgrupp", required=False, options=_vocab("working_groups")),
        FieldDef("strategic_area", "choice", "Strategiskt område", required=False, options=_vocab("strategic_areas")),
        FieldDef("horizon", "choice", "Sikt", required=False, options=_vocab("horizons")),
        FieldDef("governing_plans", "text", "Styrande planer", required=False),
        FieldDef("expected_effect", "text", "Förväntad effekt", required=False),
        FieldDef("indicator", "text", "Mätetal", required=False),
        FieldDef("status_note", "text", "Status", required=False),
    )


def _parse_attributes(session: Session, data: dict, *, partial: bool,
                      fields: tuple[FieldDef, ...] | None = None) -> tuple[dict, dict]:
    fields = fields or attribute_fields()
    if partial:
        given = {f.name for f in fields} & set(data)
        fields = tuple(FieldDef(f.name, f.type, f.label, required=f.required and f.name in given,
                                options=f.options) for f in fields if f.name in given)
    values, errors = parse_fields(session, fields, data)
    if "title" in values and len(values["title"]) > 300:
        errors["title"] = "Titel: högst 300 tecken."
    if partial:
        # An explicitly emptied optional attribute is cleared.
        for f in fields:
            if f.name not in values and f.name not in errors and not f.required:
                values[f.name] = None
    if data.get("owner_body"):
        body = session.scalar(select(Body).where(Body.name == str(data["owner_body"]).strip()))
        if body is None:
            errors["owner_body"] = f"Ansvarig enhet: det finns ingen enhet ”{data['owner_body']}”."
        else:
            values["owner_body_id"] = body.id
    return values, errors


def parse_measure_attributes(session: Session, data: dict, *, partial: bool,
                             fields: tuple[FieldDef, ...] | None = None) -> tuple[dict, dict]:
    """(values, errors) for a measure's plain attributes, by the same rules as the forms.

    The import passes `attribute_fields()` built once instead of once per row.
    """
    return _parse_attributes(session, data, partial=partial, fields=fields)


def propose_measure(session: Session, actor, data: dict, *, now: datetime | None = None,
                    comment: str | None = None) -> Measure:
    """Any signed-in user proposes a measure; it starts in the lifecycle's initial state."""
    now = now or utcnow()
    with write_transaction(session):
        actor = load_actor(session, actor)
        values, errors = _parse_attributes(session, data, partial=False)
        if errors:
            raise ValidationError("Förslaget kunde inte sparas.", errors)
        measure_id = propose_measures_in_transaction(session, actor, [values], now=now, comments=[comment])[0]
        return session.get(Measure, measure_id)


@dataclass(frozen=True)
class NewMeasure:
    """What a history row needs of a measure inserted in bulk, without an ORM object."""
    id: int
    state: str
    workflow_version: int
    case_kind: ClassVar[str] = "measure"


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


def may_edit(actor, measure: Measure) -> bool:
    if actor is None or not actor.active:
        return False
    if actor.role in EDITORS or has_relation(actor, measure, "owner"):
        return True
    return measure.state == "proposed" and has_relation(actor, measure, "proposer")


def update_measure(session: Session, actor, measure_id: int, changes: dict, expected_version: int | None,
                   *, now: datetime | None = None) -> Measure:
    """Edit plain attributes; one history entry lists what changed from what."""
    now = now or utcnow()
    with write_transaction(session):
        actor, measure = load_actor_and_case(session, actor, "measure", measure_id)
        if not may_edit(actor, measure):
            raise PermissionDenied("Du får inte ändra den här åtgärden.")
        values, errors = _parse_attributes(session, changes, partial=True)
        if errors:
            raise ValidationError("Ändringen kunde inte sparas.", errors)
        if expected_version is not None and int(expected_version) != measure.version:
            raise StaleCase(STALE_MESSAGE)
        change_measure_in_transaction(session, actor, measure, values, now=now)
    return measure


def change_measure_in_transaction(session: Session, actor, measure: Measure, values: dict, *, now: datetime,
                                  comment: str | None = None) -> dict:
    """Apply parsed attribute values; one "edit" history entry lists what changed from what.

    Inside a transaction the caller owns, after it checked the actor may edit. Returns the changes.
    """
    changed = {}
    for name, value in values.items():
        if getattr(measure, name) != value:
            changed[name] = {"from": to_record(getattr(measure, name)), "to": to_record(value)}
            setattr(measure, name, value)
    if changed:
        add_history(session, case=measure, trigger="edit", from_state=measure.state, actor=actor, at=now,
                    fields=changed, comment=comment)
    return changed


def add_progress_report(session: Session, actor, measure_id: int, *, done: str | None, ongoing: str | None,
                        planned: str | None, reported_on: date | None = None,
                        now: datetime | None = None) -> ProgressReport:
    """"Vad är gjort? / Vad pågår? / Vad finns planerat?" from the owner (or steering) of a running measure."""
    now = now or utcnow()
    texts = {"done": (done or "").strip(), "ongoing": (ongoing or "").strip(), "planned": (planned or "").strip()}
    with write_transaction(session):
        actor, measure = load_actor_and_case(session, actor, "measure", measure_id)
        if not (actor.role == "steering" or has_relation(actor, measure, "owner")):
            raise PermissionDenied("Bara åtgärdens ansvarig eller styrgruppen kan rapportera läget.")
        if not any(texts.values()):
            raise ValidationError("Rapporten är tom.", {"done": "Fyll i minst en av frågorna."})
        if measure.state not in REPORTABLE_STATES:
            raise GuardFailed("Läget kan bara rapporteras för beslutade eller genomförda åtgärder.")
        report = ProgressReport(measure_id=measure.id, reported_on=reported_on or now.date(), author_id=actor.id,
                                created_at=now, **{k: v or None for k, v in texts.items()})
        session.add(report)
        add_history(session, case=measure, trigger="report_progress", from_state=measure.state, actor=actor,
                    at=now, fields={k: v for k, v in texts.items() if v})
    return report
