"""`kfflow gallra`: thin what a retention rule allows, log each record in the gallringslogg, keep the chain whole.

A thinned progress report is deleted; the history entry that recorded its text keeps its place in the chain
but its content is replaced by the content's digest (`thinned_digest`), and a tombstone entry appended to the
case names the rule, the record, its SHA-256 and the entries thinned — so `kfflow history verify` still holds,
and would notice a thinning that no tombstone accounts for.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from kfflow.db import write_transaction
from kfflow.errors import PermissionDenied
from kfflow.models import HistoryEntry, Measure, ProgressReport, ThinningLogEntry
from kfflow.models.history import HASHED_COLUMNS, content_digest
from kfflow.retention import RetentionRule, RetentionRules
from kfflow.services._common import add_history, load_actor, load_case
from kfflow.services.history import THINNING_TRIGGER


@dataclass(frozen=True)
class ThinningCandidate:
    rule: RetentionRule
    record_id: int
    case_kind: str
    case_id: int
    closed_at: datetime


def _closed_at(kind: str, model):
    """When the case entered the state it is in: the newest history entry that moved it there."""
    h = HistoryEntry
    return (select(func.max(h.at)).where(h.case_kind == kind, h.case_id == model.id, h.to_state == model.state,
                                        or_(h.from_state.is_(None), h.from_state != h.to_state))
            .scalar_subquery())


def _progress_reports(session: Session, rule: RetentionRule, cutoff: datetime) -> list[ThinningCandidate]:
    closed_at = _closed_at("measure", Measure)
    rows = session.execute(select(ProgressReport.id, Measure.id, closed_at)
                           .join(Measure, Measure.id == ProgressReport.measure_id)
                           .where(Measure.state.in_(rule.states), closed_at <= cutoff)
                           .order_by(Measure.id, ProgressReport.id))
    return [ThinningCandidate(rule, report_id, "measure", measure_id, at) for report_id, measure_id, at in rows]


_FINDERS = {"progress_report": _progress_reports}


def thinning_candidates(session: Session, rules: RetentionRules, now: datetime) -> list[ThinningCandidate]:
    """What the rules allow to be thinned at `now` (nothing is changed)."""
    found = []
    for rule in rules.rules:
        if not rule.keep:
            found.extend(_FINDERS[rule.record](session, rule, now - timedelta(days=365 * rule.after_years)))
    return found


def _report_digest(report: ProgressReport) -> str:
    content = {"id": report.id, "measure_id": report.measure_id, "reported_on": report.reported_on.isoformat(),
               "author_id": report.author_id, "done": report.done, "ongoing": report.ongoing,
               "planned": report.planned, "created_at": report.created_at.isoformat()}
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _thin_history(session: Session, report: ProgressReport) -> list[int]:
    """Replace the content of the history entries that recorded the report by its digest; their seq."""
    table = HistoryEntry.__table__
    entries = session.execute(select(table).where(
        table.c.case_kind == "measure", table.c.case_id == report.measure_id, table.c.trigger == "report_progress",
        table.c.at == report.created_at, table.c.thinned_digest.is_(None))).all()
    for entry in entries:
        session.execute(update(table).where(table.c.id == entry.id).values(
            thinned_digest=content_digest(*(entry._mapping[c] for c in HASHED_COLUMNS)),
            fields={"gallrad": True}, comment=None))
    return [entry.seq for entry in entries]


def execute_thinning(session: Session, actor, rules: RetentionRules, now: datetime) -> list[ThinningCandidate]:
    """Thin every candidate in one transaction, as `actor` (a role the rules name)."""
    with write_transaction(session):
        actor = load_actor(session, actor)
        if actor.role not in rules.roles:
            raise PermissionDenied("Du har inte behörighet att gallra.")
        candidates = thinning_candidates(session, rules, now)
        for (kind, case_id), items in groupby(candidates, key=lambda c: (c.case_kind, c.case_id)):
            case = load_case(session, kind, case_id)
            for candidate in items:
                report = session.get(ProgressReport, candidate.record_id)
                digest = _report_digest(report)
                thinned = _thin_history(session, report)
                session.delete(report)
                session.add(ThinningLogEntry(at=now, actor_id=actor.id, decision=rules.decision,
                                             rule=candidate.rule.label, record_type=candidate.rule.record,
                                             record_id=candidate.record_id, case_kind=kind, case_id=case_id,
                                             sha256=digest, thinned_history=thinned))
                add_history(session, case=case, trigger=THINNING_TRIGGER, from_state=case.state, actor=actor,
                            at=now, fields={"record": candidate.rule.record, "record_id": candidate.record_id,
                                            "rule": candidate.rule.label, "sha256": digest,
                                            "thinned_history": thinned})
    return candidates
