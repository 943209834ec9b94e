"""Transitions through the service against a bare floor, and the memory cost of available_transitions.

Floor: the same UPDATE (with the version predicate, and the case's history chain head) plus the hashed
history INSERT, written with SQLAlchemy Core, one transaction each. Goal: the service's rate ≥ 50 % of the floor's on SQLite and PostgreSQL.
Memory: available_transitions over 10,000 loaded measures adds < 200 MB.

    .venv/bin/python benchmarks/bench_fire.py [--n 2000] [--measures 10000]
"""
from __future__ import annotations

import argparse
import gc
import json
import sys
import time
import tracemalloc
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select, update  # noqa: E402

from benchmarks._common import DATABASES  # noqa: E402
from kfflow.database import Database  # noqa: E402
from kfflow.models import HistoryEntry, Measure, User  # noqa: E402
from kfflow.models.history import HASHED_COLUMNS, chain_hash, content_digest  # noqa: E402
from kfflow.services.cases import available_transitions, fire  # noqa: E402
from kfflow.workflow import configure  # noqa: E402
from kfflow.config import PROJECT_ROOT  # noqa: E402

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
BLOCK = 100
FIELDS = {"priority": 2, "category": "recruit", "expected_effect": "Fler sökande per tjänst."}


def _seed(db: Database, n: int) -> tuple[int, list[int]]:
    with db.engine.begin() as conn:
        conn.execute(insert(User), [{"username": "steering", "display_name": "Styrgrupp", "role": "steering",
                                     "active": True, "created_at": NOW}])
        steering_id = conn.scalar(select(User.id))
        rows = [{"title": f"Åtgärd {i}", "state": "proposed", "workflow_name": "measure", "workflow_version": 1,
                 "version": 1, "created_at": NOW, "updated_at": NOW} for i in range(n)]
        conn.execute(insert(Measure), rows)
        ids = list(conn.scalars(select(Measure.id).order_by(Measure.id)))
    return steering_id, ids


def _service_run(db: Database, steering_id: int, ids: list[int]) -> float:
    with db.session() as s:
        actor = s.get(User, steering_id)
    start = time.perf_counter()
    for measure_id in ids:
        with db.session() as s:  # one session per call, as one web request has
            fire(s, actor, ("measure", measure_id), "prioritise", FIELDS, 1, now=NOW)
    return time.perf_counter() - start


def _floor_run(db: Database, steering_id: int, ids: list[int]) -> float:
    table, history = Measure.__table__, HistoryEntry.__table__
    start = time.perf_counter()
    for measure_id in ids:
        with db.engine.connect().execution_options(kfflow_write=True) as conn, conn.begin():
            entry = dict(case_kind="measure", case_id=measure_id, seq=1, trigger="prioritise",
                         from_state="proposed", to_state="prioritised", actor_id=steering_id, at=NOW, fields=FIELDS,
                         comment=None, workflow_version=1)
            entry["entry_hash"] = chain_hash(None, content_digest(*(entry[c] for c in HASHED_COLUMNS)))
            conn.execute(update(table).where(table.c.id == measure_id, table.c.version == 1).values(
                state="prioritised", priority=2, category="recruit", expected_effect=FIELDS["expected_effect"],
                version=2, updated_at=NOW, history_length=1, history_head=entry["entry_hash"]))
            conn.execute(insert(history).values(entry))
    return time.perf_counter() - start


def bench_fire(url: str, n: int) -> dict:
    db = Database.connect(url)
    steering_id, ids = _seed(db, 2 * n)
    service_ids, floor_ids = ids[0::2], ids[1::2]
    # Interleave blocks of BLOCK so that drift in the machine's speed hits both alike.
    service_s = floor_s = 0.0
    for start in range(0, n, BLOCK):
        service_s += _service_run(db, steering_id, service_ids[start:start + BLOCK])
        floor_s += _floor_run(db, steering_id, floor_ids[start:start + BLOCK])
    db.dispose()
    service_rate, floor_rate = n / service_s, n / floor_s
    return {"transitions": n, "service_per_s": round(service_rate, 1), "floor_per_s": round(floor_rate, 1),
            "service_share_of_floor": round(service_rate / floor_rate, 3), "goal_share": 0.5,
            "meets_goal": service_rate / floor_rate >= 0.5}


def bench_available_memory(url: str, count: int) -> dict:
    db = Database.connect(url)
    steering_id, _ = _seed(db, count)
    gc.collect()
    tracemalloc.start()
    base, _ = tracemalloc.get_traced_memory()
    with db.session() as s:
        actor = s.get(User, steering_id)
        measures = s.scalars(select(Measure)).all()
        offered = sum(len(available_transitions(actor, m, now=NOW)) for m in measures)
        current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    db.dispose()
    added_mb = (peak - base) / 2**20
    return {"measures": count, "transitions_offered": offered, "peak_added_mb": round(added_mb, 1),
            "goal_mb": 200, "meets_goal": added_mb < 200}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--measures", type=int, default=10_000)
    parser.add_argument("--only", choices=list(DATABASES))
    args = parser.parse_args()
    configure(PROJECT_ROOT / "workflows")
    results = {}
    for name, make in DATABASES.items():
        if args.only and name != args.only:
            continue
        with make() as url:
            results[f"fire_{name}"] = bench_fire(url, args.n)
        with make() as url:
            results[f"available_transitions_{name}"] = bench_available_memory(url, args.measures)
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
