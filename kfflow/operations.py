"""What operators ask of a running kfflow: is it ready (readiness checks), and what is its state (metrics
read from the database when scraped, so they are right with any number of processes and nodes).

Both are registries: another part of kfflow adds its own check or gauges with a decorator, e.g. the job queue

    @readiness_check("queue")
    def _queue(db, settings): ...            # raise (or return a reason) when the queue cannot be reached

    @metric_source
    def _jobs(session, settings, now): yield GaugeMetricFamily("kfflow_jobs_queued", "...", value=...)
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from kfflow.config import Settings
from kfflow.database import Database
from kfflow.db import utcnow

log = logging.getLogger(__name__)

ReadinessCheck = Callable[[Database, Settings], "str | None"]
MetricSource = Callable[[Session, Settings, datetime], Iterable]

READINESS_CHECKS: dict[str, ReadinessCheck] = {}
METRIC_SOURCES: list[MetricSource] = []


def readiness_check(name: str):
    """Register a check for /readyz: it returns None when fine, else a short English reason (or raises)."""
    def register(check: ReadinessCheck) -> ReadinessCheck:
        READINESS_CHECKS[name] = check
        return check
    return register


def metric_source(source: MetricSource) -> MetricSource:
    """Register a function yielding prometheus-client metric families, computed at each scrape."""
    METRIC_SOURCES.append(source)
    return source


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str | None = None


def check_readiness(db: Database, settings: Settings) -> list[CheckResult]:
    results = []
    for name, check in READINESS_CHECKS.items():
        try:
            reason = check(db, settings)
        except Exception as exc:  # noqa: BLE001 - a failing check is the answer, not an error
            reason = f"{exc.__class__.__name__}: {str(exc).splitlines()[0] if str(exc) else ''}".rstrip(": ")
        if reason:
            log.warning("readiness check %s failed: %s", name, reason)
        results.append(CheckResult(name, not reason, reason or None))
    return results


@readiness_check("database")
def _database(db: Database, settings: Settings) -> str | None:
    with db.engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return None


_HEADS: list[frozenset[str]] = []


@readiness_check("migrations")
def _migrations(db: Database, settings: Settings) -> str | None:
    from sqlalchemy.exc import DBAPIError

    from kfflow.migrate import current_heads

    if not _HEADS:  # the scripts do not change while the process runs
        _HEADS.append(frozenset(current_heads(db.url)))
    # Read directly: Alembic's own context logs on every call, and load balancers ask often.
    with db.engine.connect() as conn:
        try:
            current = frozenset(conn.scalars(text("SELECT version_num FROM alembic_version")))
        except DBAPIError:
            current = frozenset()  # no alembic_version table: never migrated
    if current != _HEADS[0]:
        return f"database at {sorted(current) or 'no revision'}, code expects {sorted(_HEADS[0])}"
    return None


# --- metrics computed from the database ----------------------------------------------------------

@metric_source
def _outbox(session: Session, settings: Settings, now: datetime):
    from prometheus_client.core import GaugeMetricFamily

    from kfflow.models import OutboxMessage

    counts = dict(session.execute(select(OutboxMessage.status, func.count())
                                  .where(OutboxMessage.status.in_(("pending", "sending", "failed")))
                                  .group_by(OutboxMessage.status)).all())
    family = GaugeMetricFamily("kfflow_outbox_messages", "Reminder mails in the outbox by status "
                               "(pending and sending wait to be sent; failed gave up)", labels=["status"])
    for status in ("pending", "sending", "failed"):
        family.add_metric([status], counts.get(status, 0))
    yield family


@metric_source
def _last_sweep(session: Session, settings: Settings, now: datetime):
    from prometheus_client.core import GaugeMetricFamily

    from kfflow.models import Setting
    from kfflow.reminders.runner import LAST_SWEEP_KEY

    stamp = session.scalar(select(Setting.value).where(Setting.key == LAST_SWEEP_KEY))
    age = (now - datetime.fromisoformat(stamp)).total_seconds() if stamp else float("nan")
    yield GaugeMetricFamily("kfflow_reminder_sweep_age_seconds",
                            "Seconds since a reminder sweep last finished queueing (NaN: never)", value=age)


@metric_source
def _leader(session: Session, settings: Settings, now: datetime):
    from prometheus_client.core import GaugeMetricFamily

    from kfflow.reminders.scheduler import leader_present

    present = leader_present(session.get_bind(), settings.instance_path / "scheduler.lock")
    yield GaugeMetricFamily("kfflow_scheduler_leader", "1 when a reminder scheduler holds the leader lock",
                            value=1 if present else 0)


class DatabaseCollector:
    """A prometheus-client collector running every registered metric source in one read session."""

    def __init__(self, db: Database, settings: Settings):
        self.db = db
        self.settings = settings

    def describe(self):
        return []  # computed at scrape time only

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily

        up = GaugeMetricFamily("kfflow_metric_source_up", "1 when a database metric source answered",
                               labels=["source"])
        now = utcnow()
        with self.db.session() as session:
            for source in METRIC_SOURCES:
                name = source.__name__.lstrip("_")
                try:
                    families = list(source(session, self.settings, now))
                except Exception:  # noqa: BLE001 - one broken source must not hide the others
                    log.exception("metric source %s failed", name)
                    session.rollback()
                    up.add_metric([name], 0)
                    continue
                up.add_metric([name], 1)
                yield from families
        yield up


@metric_source
def _history_chain(session: Session, settings: Settings, now: datetime):
    from prometheus_client.core import GaugeMetricFamily

    from kfflow.services.history import last_verification

    last = last_verification(session)
    yield GaugeMetricFamily("kfflow_history_chain_ok", "1 when the last `kfflow history verify` found every case's "
                            "history chain intact, 0 when it found tampering, NaN before the first run",
                            value=float("nan") if last is None else float(last["ok"]))
    age = (now - datetime.fromisoformat(last["at"])).total_seconds() if last else float("nan")
    yield GaugeMetricFamily("kfflow_history_verify_age_seconds",
                            "Seconds since the history chains were last verified (the scheduler does it daily)",
                            value=age)
