"""Sorting by a score computed when read: the measure list ordered by `-score` (the scoring model's CASE
expression over the JSON judgement) against the same list ordered by `-priority` (a plain integer column), the
floor, in the same run and database; and the whole ranking (every measure awaiting a decision, with breakdowns).

10,000 measures (a third awaiting a decision, most of them judged) in a fresh PostgreSQL or SQLite database.
Prints JSON: p50/p95 of each in milliseconds and the ratio of the score sort's p95 to the floor's (goal ≤ 1.5).

    .venv/bin/python benchmarks/bench_ranking.py [--database postgresql|sqlite] [--measures 10000] [--runs 60]
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import insert

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._common import DATABASES  # noqa: E402
from kfflow.database import Database  # noqa: E402
from kfflow.models import Measure, User  # noqa: E402
from kfflow.services.measure_list import MeasureFilter, list_measures  # noqa: E402
from kfflow.services.ranking import ranking  # noqa: E402
from kfflow.workflow import configure  # noqa: E402

GOAL = 1.5
STATES = ["proposed", "prioritised", "decided", "implemented", "evaluated", "rejected"]


def seed(db: Database, n: int) -> None:
    now = datetime.now(timezone.utc)
    rng = random.Random(13)
    with db.engine.begin() as conn:
        conn.execute(insert(User), [{"username": "stina", "display_name": "Stina", "role": "steering",
                                     "active": True, "created_at": now}])
        conn.execute(insert(Measure), [{
            "title": f"Åtgärd {i}", "state": rng.choice(STATES), "workflow_name": "measure", "workflow_version": 1,
            "version": 1, "priority": rng.randint(1, 5), "created_at": now, "updated_at": now,
            "scores": None if rng.random() < 0.1 else {c: rng.randint(1, 4) for c in
                                                       ("effect", "certainty", "cost", "time_to_effect")}}
            for i in range(n)])


def timed(fn, runs: int) -> dict:
    fn()  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {"p50_ms": round(statistics.median(times), 2), "p95_ms": round(times[int(len(times) * 0.95) - 1], 2)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=sorted(DATABASES), default="postgresql")
    parser.add_argument("--measures", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=60)
    args = parser.parse_args()
    configure(ROOT / "workflows")
    with DATABASES[args.database]() as url:
        db = Database.connect(url)
        seed(db, args.measures)
        awaiting = MeasureFilter(states=["proposed", "prioritised"])
        with db.session() as session:
            steering = session.query(User).one()

            def listed(sort):
                return lambda: (list_measures(session, awaiting, limit=50, sort=sort), session.rollback())

            floor = timed(listed("-priority"), args.runs)
            by_score = timed(listed("-score"), args.runs)
            whole = timed(lambda: (ranking(session, steering), session.rollback()), max(args.runs // 4, 5))
            size = len(ranking(session, steering).items)
        db.engine.dispose()
    ratio = round(by_score["p95_ms"] / floor["p95_ms"], 2)
    print(json.dumps({"database": args.database, "measures": args.measures, "ranked": size,
                      "floor_sort_by_priority": floor, "sort_by_score": by_score, "whole_ranking": whole,
                      "ratio_p95": ratio, "goal": GOAL, "ok": ratio <= GOAL}, indent=2))


if __name__ == "__main__":
    main()
