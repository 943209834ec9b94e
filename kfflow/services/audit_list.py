"""The audits as lists show them: the page newest received first with how many recommendations each has,
the API newest registered first, a page at a time."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kfflow.models import Audit, Recommendation


def audits_with_counts(session: Session) -> list[tuple[Audit, int]]:
    """(audit, number of recommendations) in one statement."""
    counts = (select(Recommendation.audit_id, func.count(Recommendation.id).label("n"))
              .group_by(Recommendation.audit_id).subquery())
    return [tuple(row) for row in session.execute(
        select(Audit, func.coalesce(counts.c.n, 0)).outerjoin(counts, counts.c.audit_id == Audit.id)
        .order_by(Audit.received.desc().nulls_last(), Audit.id.desc()))]


def audit_page(session: Session, *, limit: int, offset: int) -> tuple[list[Audit], int]:
    """(one page of audits, newest registered first; how many there are)."""
    total = session.scalar(select(func.count(Audit.id)))
    return list(session.scalars(select(Audit).order_by(Audit.id.desc()).limit(limit).offset(offset))), total
