"""Frozen lägesbilder: "Frys lägesbild" by hand (the action `freeze_lagesbild` in measure.yaml) and one per
steering meeting by the sweep, so the October and December reports can be made again from the same numbers
and the next meeting sees the trend."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, defer, joinedload

from kfflow.clock import local_today
from kfflow.db import utcnow, write_transaction
from kfflow.errors import NotFound
from kfflow.models import LagesbildSnapshot
from kfflow.services._common import load_actor
from kfflow.services.access import require
from kfflow.services.lagesbild import STATUSES, Lagesbild, lagesbild, parse_filter
from kfflow.services.lagesbild_rules import lagesbild_rules


@dataclass(frozen=True)
class Trend:
    """The change from an earlier snapshot: later minus earlier, per status and per state."""
    previous_id: int
    previous_as_of: date
    status: dict[str, int]
    counts: dict[str, int]


@dataclass(frozen=True)
class FrozenLagesbild:
    snapshot: LagesbildSnapshot
    view: Lagesbild
    trend: Trend | None


def trend(current: Lagesbild, previous: LagesbildSnapshot | None) -> Trend | None:
    if previous is None:
        return None
    before = previous.data
    states = set(current.counts) | set(before["counts"])
    return Trend(previous.id, previous.as_of,
                 {s: current.status[s] - before["status"].get(s, 0) for s in STATUSES},
                 {s: current.counts.get(s, 0) - before["counts"].get(s, 0) for s in sorted(states)})


def freeze_lagesbild(session: Session, actor, *, working_group: str | None = None,
                     now: datetime | None = None) -> LagesbildSnapshot:
    """Freeze today's lägesbild (for one working group, as typed by a person, or all) as `actor`."""
    now = now or utcnow()
    with write_transaction(session):
        actor = load_actor(session, actor)
        require(actor, "freeze_lagesbild", kind="measure", denied="Din roll får inte frysa lägesbilden.")
        scope = parse_filter({"working_group": working_group}, today=local_today(now))
        view = lagesbild(session, as_of=scope.as_of, working_group=scope.working_group)
        snapshot = LagesbildSnapshot(as_of=view.as_of, working_group=scope.working_group, frozen_at=now,
                                     frozen_by_id=actor.id, data=view.as_data())
        session.add(snapshot)
        session.flush()
    return snapshot


def freeze_at_meetings(session: Session, meetings: tuple[date, ...], now: datetime) -> int:
    """In the sweep's transaction: freeze the latest steering meeting on or before today (within the grace days
    of lagesbild.yaml) unless it is frozen already; ON CONFLICT makes it exactly once however many nodes sweep.
    Returns how many snapshots this call froze (0 or 1)."""
    rule = lagesbild_rules().snapshots
    today = local_today(now)
    due = [m for m in meetings if today - timedelta(days=rule.grace_days) <= m <= today]
    if not rule.at_steering_meetings or not due:
        return 0
    meeting = max(due)
    if session.scalar(select(LagesbildSnapshot.id).where(LagesbildSnapshot.meeting_date == meeting)) is not None:
        return 0
    view = lagesbild(session, as_of=meeting, meetings=meetings)
    conn = session.connection()
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = (dialect.insert(LagesbildSnapshot.__table__)
            .values(as_of=meeting, meeting_date=meeting, frozen_at=now, data=view.as_data())
            .on_conflict_do_nothing(index_elements=["meeting_date"]).returning(LagesbildSnapshot.id))
    return len(conn.execute(stmt).all())


def list_snapshots(session: Session, *, limit: int = 200) -> list[LagesbildSnapshot]:
    """Newest first, without their numbers (a list needs none)."""
    return list(session.scalars(select(LagesbildSnapshot).options(defer(LagesbildSnapshot.data), joinedload(LagesbildSnapshot.frozen_by))
                                .order_by(LagesbildSnapshot.frozen_at.desc(), LagesbildSnapshot.id.desc())
                                .limit(limit)))


def previous_snapshot(session: Session, working_group: str | None, *,
                      before: LagesbildSnapshot | None = None) -> LagesbildSnapshot | None:
    """The newest snapshot of the same scope (all working groups or one), frozen before `before` when given."""
    query = select(LagesbildSnapshot).where(
        LagesbildSnapshot.working_group.is_(None) if working_group is None
        else LagesbildSnapshot.working_group == working_group)
    if before is not None:
        query = query.where((LagesbildSnapshot.frozen_at < before.frozen_at)
                            | ((LagesbildSnapshot.frozen_at == before.frozen_at) & (LagesbildSnapshot.id < before.id)))
    return session.scalars(query.order_by(LagesbildSnapshot.frozen_at.desc(), LagesbildSnapshot.id.desc())
                           .limit(1)).first()


def read_snapshot(session: Session, snapshot_id: int) -> FrozenLagesbild:
    """A frozen lägesbild as it was frozen, with the trend from the snapshot of the same scope before it."""
    snapshot = session.get(LagesbildSnapshot, snapshot_id)
    if snapshot is None:
        raise NotFound("Den frysta lägesbilden finns inte.")
    view = Lagesbild.from_data(snapshot.data)
    return FrozenLagesbild(snapshot, view, trend(view, previous_snapshot(session, snapshot.working_group,
                                                                         before=snapshot)))
