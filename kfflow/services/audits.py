"""Registering audits and their recommendations, and drafting the answers."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kfflow.db import utcnow, write_transaction
from kfflow.errors import GuardFailed, NotFound, PermissionDenied, ValidationError
from kfflow.models import Audit, Measure, Recommendation, RecommendationMeasure
from kfflow.services._common import add_history, check_version, load_actor, load_actor_and_case, populate
from kfflow.services.secrecy import require_readable
from kfflow.services.access import refusal, require
from kfflow.workflow import get_workflows
from kfflow.workflow.attributes import ANSWER, AUDIT, RECOMMENDATION
from kfflow.workflow.fields import parse_fields, to_record

# What the pages and the API write on an audit and a recommendation (declared in kfflow/workflow/attributes.py).
AUDIT_FIELDS = AUDIT.fields()
RECOMMENDATION_FIELDS = RECOMMENDATION.fields()
ANSWER_FIELDS = ANSWER.fields()


def register_audit(session: Session, actor, data: dict, *, now: datetime | None = None) -> Audit:
    now = now or utcnow()
    with write_transaction(session):
        actor = load_actor(session, actor)
        require(actor, "register", kind="audit")
        values, errors = parse_fields(session, AUDIT_FIELDS, data, Audit)
        if errors:
            raise ValidationError("Granskningen kunde inte registreras.", errors)
        wf = get_workflows().current("audit")
        audit = Audit(**{k: v for k, v in values.items() if v is not None}, state=wf.initial,
                      workflow_name=wf.name, workflow_version=wf.version, created_at=now, updated_at=now)
        session.add(audit)
        session.flush()
        add_history(session, case=audit, trigger="register", from_state=None, actor=actor, at=now,
                    fields={k: to_record(v) for k, v in values.items() if v is not None})
    return audit


def update_audit(session: Session, actor, audit_id: int, changes: dict, expected_version: int | None,
                 *, now: datetime | None = None) -> Audit:
    """Edit what the yttrande says besides the answers; one "edit" history entry lists what changed from what."""
    now = now or utcnow()
    with write_transaction(session):
        actor, audit = load_actor_and_case(session, actor, "audit", audit_id)
        require(actor, "edit", audit)
        given = [f for f in AUDIT_FIELDS if f.name in changes]
        values, errors = parse_fields(session, tuple(given), changes, Audit)
        if errors:
            raise ValidationError("Granskningen kunde inte ändras.", errors)
        for f in given:  # an emptied optional attribute is cleared where the column may be empty
            if f.name == "signatories":
                values.setdefault(f.name, [])
            elif Audit.__table__.c[f.name].nullable:
                values.setdefault(f.name, None)
        check_version(audit, expected_version)
        changed = populate(audit, values)
        if changed:
            add_history(session, case=audit, trigger="edit", from_state=audit.state, actor=actor, at=now,
                        fields=changed)
    return audit


def add_recommendation(session: Session, actor, audit_id: int, number, text: str,
                       *, now: datetime | None = None) -> Recommendation:
    now = now or utcnow()
    with write_transaction(session):
        actor, audit = load_actor_and_case(session, actor, "audit", audit_id)
        require(actor, "add_recommendation", audit)
        values, errors = parse_fields(session, RECOMMENDATION_FIELDS, {"number": number, "text": text},
                                      Recommendation)
        if not errors and session.scalar(select(Recommendation.id).where(
                Recommendation.audit_id == audit_id, Recommendation.number == values["number"])):
            errors["number"] = f"Rekommendation {values['number']} finns redan i granskningen."
        if errors:
            raise ValidationError("Rekommendationen kunde inte registreras.", errors)
        wf = get_workflows().current("recommendation")
        rec = Recommendation(audit_id=audit_id, number=values["number"], text=values["text"], state=wf.initial,
                             workflow_name=wf.name, workflow_version=wf.version, created_at=now, updated_at=now)
        session.add(rec)
        session.flush()
        add_history(session, case=rec, trigger="register", from_state=None, actor=actor, at=now,
                    fields={"number": rec.number, "text": rec.text})
    return rec


OWNER_VIA_REASSIGN = ("Ansvarig byts med övergången ”Byt ansvarig” (reassign) och en motivering, "
                      "inte genom att ändra svaret.")


def update_recommendation(session: Session, actor, rec_id: int, changes: dict, expected_version: int | None,
                          *, now: datetime | None = None) -> Recommendation:
    """Edit the answer and the linked measures (in order) until the board has adopted the answer.

    Who owns the recommendation is not part of the answer: that is the `reassign` transition, with its
    reason, whoever asks.
    """
    now = now or utcnow()
    if "owner" in changes:
        raise ValidationError("Ansvarig kan inte ändras här.", {"owner": OWNER_VIA_REASSIGN})
    with write_transaction(session):
        actor, rec = load_actor_and_case(session, actor, "recommendation", rec_id)
        require_readable(session, actor, rec)
        refused = refusal(actor, "edit_answer", rec)
        if isinstance(refused, GuardFailed):
            raise GuardFailed("Svaret är antaget och kan inte längre ändras.")
        if refused is not None:
            raise PermissionDenied("Du får inte ändra svaret på den här rekommendationen.")
        given = tuple(f for f in ANSWER_FIELDS if f.name in changes)
        values, errors = parse_fields(session, given, changes, Recommendation)
        if errors:
            raise ValidationError("Svaret kunde inte sparas.", errors)
        check_version(rec, expected_version)
        changed = populate(rec, {f.name: values.get(f.name) or None for f in given if f.name != "measure_ids"})
        if "measure_ids" in changes:
            ids = values.get("measure_ids") or []
            if ids != [link.measure_id for link in rec.measure_links]:
                changed["measure_ids"] = {"from": [link.measure_id for link in rec.measure_links], "to": ids}
                rec.measure_links.clear()
                session.flush()
                rec.measure_links.extend(RecommendationMeasure(measure=session.get(Measure, i)) for i in ids)
        if changed:
            rec.updated_at = now  # an UPDATE of the row, so the version moves even for link-only edits
            add_history(session, case=rec, trigger="edit_answer", from_state=rec.state, actor=actor, at=now,
                        fields=changed)
    return rec
