"""Registering audits and their recommendations, and drafting the answers."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kfflow.db import utcnow, write_transaction
from kfflow.errors import GuardFailed, NotFound, PermissionDenied, StaleCase, ValidationError
from kfflow.models import Audit, Measure, Recommendation, RecommendationMeasure
from kfflow.services._common import add_history, load_actor, load_actor_and_case
from kfflow.services.access import has_relation, require_role
from kfflow.services.cases import STALE_MESSAGE
from kfflow.workflow import get_workflows
from kfflow.workflow.definition import FieldDef, Option
from kfflow.workflow.fields import check_text, parse_fields, parse_version, to_record

AUDIT_FIELDS = (
    FieldDef("name", "text", "Granskningens namn"),
    FieldDef("number", "text", "Nummer"),
    FieldDef("subject", "text", "Ämne"),
    FieldDef("diarienummer", "text", "Diarienummer", required=False),
    FieldDef("received", "date", "Inkom", required=False),
    FieldDef("response_due", "date", "Svar senast", required=False),
    FieldDef("responding_body", "text", "Svarande organ", required=False),
    FieldDef("addressee", "text", "Mottagare", required=False),
    FieldDef("template", "choice", "Mall för yttrandet", required=False,
             options=(Option("board", "Styrelse"), Option("committee", "Nämnd"))),
    FieldDef("summary", "text", "Sammanfattning", required=False),
)
# Until the board has adopted the answer, these may still edit it.
SIGNATORIES_FIELD = FieldDef("signatories", "text", "Undertecknare", required=False)
# What the pages write on a recommendation: registering it, and its answer.
RECOMMENDATION_FIELDS = (FieldDef("number", "number", "Nummer", min=1, max=999),
                         FieldDef("text", "text", "Rekommendationens text"))
ANSWER_FIELDS = (FieldDef("answer", "text", "Svar", required=False),
                 FieldDef("measure_ids", "measures", "Åtgärder som svaret utlovar", required=False),
                 FieldDef("no_measure_reason", "text", "Skäl till att ingen åtgärd vidtas", required=False),
                 FieldDef("owner", "user", "Ansvarig för svaret", required=False))
ANSWER_FROZEN_STATES = ("decided", "implemented", "evaluated", "withdrawn")


SIGNATORY_TEXT = 200  # a name or a title, one line each


def _signatories(value) -> list[dict]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(
            isinstance(s, dict) and isinstance(s.get("name"), str) and s["name"].strip() for s in value):
        raise ValidationError("Felaktiga undertecknare.", {"signatories": "Ange en lista med namn och titel."})
    try:
        return [{"name": check_text(s["name"], multiline=False, max_length=SIGNATORY_TEXT),
                 "title": check_text(s.get("title") or "", multiline=False, max_length=SIGNATORY_TEXT)}
                for s in value]
    except ValueError as exc:
        raise ValidationError("Felaktiga undertecknare.", {"signatories": f"Undertecknare: {exc}"}) from None


def register_audit(session: Session, actor, data: dict, *, now: datetime | None = None) -> Audit:
    now = now or utcnow()
    with write_transaction(session):
        actor = load_actor(session, actor)
        require_role(actor, "registrar", action="registrera granskningar")
        values, errors = parse_fields(session, AUDIT_FIELDS, data, Audit)
        if errors:
            raise ValidationError("Granskningen kunde inte registreras.", errors)
        values["signatories"] = _signatories(data.get("signatories"))
        wf = get_workflows().current("audit")
        audit = Audit(**{k: v for k, v in values.items() if v is not None}, state=wf.initial,
                      workflow_name=wf.name, workflow_version=wf.version, created_at=now, updated_at=now)
        session.add(audit)
        session.flush()
        add_history(session, case=audit, trigger="register", from_state=None, actor=actor, at=now,
                    fields={k: to_record(v) for k, v in values.items() if v is not None})
    return audit


def update_audit(session: Session, actor, audit_id: int, changes: dict) -> Audit:
    with write_transaction(session):
        actor = load_actor(session, actor)
        require_role(actor, "registrar", action="ändra granskningar")
        audit = session.get(Audit, audit_id)
        if audit is None:
            raise NotFound("Granskningen finns inte.")
        given = [f for f in AUDIT_FIELDS if f.name in changes]
        values, errors = parse_fields(session, tuple(given), changes, Audit)
        if errors:
            raise ValidationError("Granskningen kunde inte ändras.", errors)
        for name, value in values.items():
            setattr(audit, name, value)
        if "signatories" in changes:
            audit.signatories = _signatories(changes["signatories"])
    return audit


def add_recommendation(session: Session, actor, audit_id: int, number, text: str,
                       *, now: datetime | None = None) -> Recommendation:
    now = now or utcnow()
    with write_transaction(session):
        actor = load_actor(session, actor)
        require_role(actor, "registrar", action="registrera rekommendationer")
        audit = session.get(Audit, audit_id)
        if audit is None:
            raise NotFound("Granskningen finns inte.")
        fields = (FieldDef("number", "number", "Nummer", min=1, max=999), FieldDef("text", "text", "Rekommendation"))
        values, errors = parse_fields(session, fields, {"number": number, "text": text}, Recommendation)
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


def may_edit_answer(actor, rec: Recommendation) -> bool:
    if actor is None or not actor.active or rec.state in ANSWER_FROZEN_STATES:
        return False
    return actor.role == "registrar" or has_relation(actor, rec, "owner")


def update_recommendation(session: Session, actor, rec_id: int, changes: dict, expected_version: int | None,
                          *, now: datetime | None = None) -> Recommendation:
    """Edit the answer and the linked measures (in order) until the board has adopted the answer."""
    now = now or utcnow()
    with write_transaction(session):
        actor, rec = load_actor_and_case(session, actor, "recommendation", rec_id)
        if not may_edit_answer(actor, rec):
            if rec.state in ANSWER_FROZEN_STATES:
                raise GuardFailed("Svaret är antaget och kan inte längre ändras.")
            raise PermissionDenied("Bara registratorn och den ansvariga kan ändra svaret.")
        fields = []
        if "answer" in changes:
            fields.append(FieldDef("answer", "text", "Svar", required=False))
        if "no_measure_reason" in changes:
            fields.append(FieldDef("no_measure_reason", "text", "Skäl till att ingen åtgärd vidtas", required=False))
        if "measure_ids" in changes:
            fields.append(FieldDef("measure_ids", "measures", "Åtgärder", required=False))
        if "owner" in changes:
            fields.append(FieldDef("owner", "user", "Ansvarig", required=False))
        values, errors = parse_fields(session, tuple(fields), changes, Recommendation)
        if errors:
            raise ValidationError("Svaret kunde inte sparas.", errors)
        expected_version = parse_version(expected_version)
        if expected_version is not None and expected_version != rec.version:
            raise StaleCase(STALE_MESSAGE)
        changed = {}
        if "answer" in changes and (values.get("answer") or None) != rec.answer:
            changed["answer"] = {"from": rec.answer, "to": values.get("answer") or None}
            rec.answer = values.get("answer") or None
        if "no_measure_reason" in changes and (values.get("no_measure_reason") or None) != rec.no_measure_reason:
            changed["no_measure_reason"] = {"from": rec.no_measure_reason, "to": values.get("no_measure_reason") or None}
            rec.no_measure_reason = values.get("no_measure_reason") or None
        if "measure_ids" in changes:
            ids = values.get("measure_ids") or []
            if ids != [link.measure_id for link in rec.measure_links]:
                changed["measure_ids"] = {"from": [link.measure_id for link in rec.measure_links], "to": ids}
                rec.measure_links.clear()
                session.flush()
                rec.measure_links.extend(RecommendationMeasure(measure=session.get(Measure, i)) for i in ids)
        if "owner" in changes and values.get("owner") is not None and values["owner"].id != rec.owner_id:
            changed["owner"] = {"from": rec.owner.username if rec.owner else None, "to": to_record(values["owner"])}
            rec.owner = values["owner"]
        if changed:
            rec.updated_at = now  # an UPDATE of the row, so the version moves even for link-only edits
            add_history(session, case=rec, trigger="edit_answer", from_state=rec.state, actor=actor, at=now,
                        fields=changed)
    return rec
