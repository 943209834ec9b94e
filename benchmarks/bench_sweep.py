"""Benchmark: one dry-run reminder sweep over 100,000 open measures in PostgreSQL, against a floor.

Floor: the single SQL query that selects the due rows (decided measures whose due date is in a reminder
window), streamed and counted, in the same run on the same data. Goal: sweep ≤ 1 s and ≤ 2 × floor, with
memory flat (rows are streamed: the tracemalloc peak must not grow with the number of measures).
Prints JSON. Usage: .venv/bin/python benchmarks/bench_sweep.py [--measures 100000] [--pg-url URL]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import time
import tracemalloc
import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import create_engine, insert, select, text

from kfflow.config import PROJECT_ROOT
from kfflow.database import Database
from kfflow.models import Base, Measure, User
from kfflow.reminders.rules import load_reminder_rules
from kfflow.reminders.runner import run_sweep
from kfflow.workflow import configure, load_workflows


def setup(url: str, n: int, today) -> None:
    engine = create_engine(url)
    Base.metadata.create_all(engine)
    rng = random.Random(7)
    with engine.begin() as conn:
        users = [{"username": f"u{i}", "display_name": f"Användare {i}", "email": f"u{i}@example.org",
                  "role": role, "active": True, "created_at": datetime.now(timezone.utc)}
                 for i, role in enumerate(["steering"] * 3 + ["owner"] * 200)]
        conn.execute(insert(User), users)
        owner_ids = [r for (r,) in conn.execute(select(User.id).where(User.role == "owner"))]
        now = datetime.now(timezone.utc)
        for start in range(0, n, 10000):   # in chunks, so that setup does not inflate the peak RSS
            conn.execute(insert(Measure), [
                {"title": f"Åtgärd {i}", "state": "decided", "workflow_name": "measure", "workflow_version": 1,
                 "version": 3, "owner_id": rng.choice(owner_ids), "created_at": now, "updated_at": now,
                 "due_date": today + timedelta(days=rng.randint(-365, 365))} for i in range(start, min(n, start + 10000))])
        conn.execute(text("ANALYZE"))
    engine.dispose()


def floor_query(db: Database, today) -> int:
    """The one query a sweep cannot do without: the due rows, streamed."""
    stmt = (select(Measure.id, Measure.state, Measure.owner_id, Measure.title, Measure.due_date)
            .where(Measure.state == "decided", Measure.due_date <= today + timedelta(days=14))
            .order_by(Measure.id))
    count = 0
    with db.engine.connect() as conn:
        for _ in conn.execute(stmt, execution_options={"yield_per": 2000}):
            count += 1
    return count


def sweep_once(db: Database, rules, now):
    return run_sweep(db, rules, now, mailer=None, dry_run=True, base="http://bench")


def interleaved(floor, sweep, repeat: int) -> dict:
    """Median wall and client-CPU times of floor and sweep, run alternately so that a busy machine weighs
    on both alike. CPU time is this process only (not the database server's), and is less disturbed by load."""
    times = {"floor": [], "sweep": [], "floor_cpu": [], "sweep_cpu": []}
    results = {}
    for _ in range(repeat):
        for name, fn in (("floor", floor), ("sweep", sweep)):
            wall, cpu = time.perf_counter(), time.process_time()
            results[name] = fn()
            times[name].append(time.perf_counter() - wall)
            times[name + "_cpu"].append(time.process_time() - cpu)
    return {**{k: statistics.median(v) for k, v in times.items()}, **{k + "_result": v for k, v in results.items()}}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--measures", type=int, default=100_000)
    ap.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    workflows = configure(load_workflows(PROJECT_ROOT / "workflows"))
    rules = load_reminder_rules(PROJECT_ROOT / "workflows", workflows)
    now = datetime(2026, 11, 25, 7, 0, tzinfo=timezone.utc)   # no steering meeting within a week
    today = now.astimezone(rules.timezone).date()
    admin = create_engine(args.pg_url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    name = f"kfflow_bench_sweep_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = args.pg_url.rsplit("/", 1)[0] + "/" + name
    try:
        t = time.perf_counter()
        setup(url.replace("postgresql://", "postgresql+psycopg://"), args.measures, today)
        setup_s = time.perf_counter() - t
        db = Database.connect(url)
        floor_query(db, today)          # warm caches and the connection pool
        sweep_once(db, rules, now)
        m = interleaved(lambda: floor_query(db, today), lambda: sweep_once(db, rules, now), args.repeat)
        floor_s, sweep_s, due_rows, result = m["floor"], m["sweep"], m["floor_result"], m["sweep_result"]
        tracemalloc.start()
        sweep_once(db, rules, now)
        _, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        db.dispose()
        print(json.dumps({
            "benchmark": "reminder sweep, dry run (PostgreSQL)",
            "measures": args.measures,
            "setup_s": round(setup_s, 2),
            "floor_due_rows": due_rows,
            "reminders_found": result.queued,
            "mails_would_send": result.would_send,
            "floor_s": round(floor_s, 4),
            "sweep_s": round(sweep_s, 4),
            "ratio": round(sweep_s / floor_s, 2),
            "floor_cpu_s": round(m["floor_cpu"], 4),
            "sweep_cpu_s": round(m["sweep_cpu"], 4),
            "cpu_ratio": round(m["sweep_cpu"] / m["floor_cpu"], 2),
            "load_average_1min": round(os.getloadavg()[0], 1),
            "tracemalloc_peak_mb": round(traced_peak / 2**20, 2),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "goal_sweep_le_1s": sweep_s <= 1.0,
            "goal_ratio_le_2": sweep_s <= 2 * floor_s,
        }, indent=2))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
