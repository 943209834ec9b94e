"""One case read fresh with what its detail shows (the API's GET of a case, and after each change to it)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kfflow.errors import NotFound
from kfflow.models import Audit, HistoryEntry, Measure, ProgressReport, Recommendation, RecommendationMeasure, User
from kfflow.services.cases import history_of, read_case


def _fresh(session: Session, stmt, missing: str):
    session.expire_all()  # a service may have changed it earlier in this request
    found = session.scalars(stmt).first()
    if found is None:
        raise NotFound(missing)
    return found


def measure_detail(session: Session, measure_id: int) -> Measure:
    """The measure with its progress reports and their authors."""
    return _fresh(session, select(Measure).where(Measure.id == measure_id).options(
        selectinload(Measure.progress_reports).selectinload(ProgressReport.author)), "Åtgärden finns inte.")


def audit_detail(session: Session, audit_id: int) -> Audit:
    """The audit with its recommendations and their owners."""
    return _fresh(session, select(Audit).where(Audit.id == audit_id).options(
        selectinload(Audit.recommendations).selectinload(Recommendation.owner)), "Granskningen finns inte.")


def recommendation_detail(session: Session, rec_id: int) -> Recommendation:
    """The recommendation with its owner and the measures its answer promises."""
    return _fresh(session, select(Recommendation).where(Recommendation.id == rec_id).options(
        selectinload(Recommendation.owner),
        selectinload(Recommendation.measure_links).selectinload(RecommendationMeasure.measure)),
        "Rekommendationen finns inte.")


def history_with_actors(session: Session, kind: str, case_id: int) -> list[HistoryEntry]:
    """The case's history in order, its actors loaded in one query (each entry's actor then needs none)."""
    entries = history_of(session, read_case(session, kind, case_id))
    actor_ids = {e.actor_id for e in entries if e.actor_id}
    if actor_ids:
        session.scalars(select(User).where(User.id.in_(actor_ids))).all()
    return entries
