"""`kfflow history verify` over many entries in PostgreSQL against a floor that only reads and hashes them.

Floor: stream the same rows (same columns, same order, same batch size) and take SHA-256 over each row's
canonical JSON, nothing else. Goal: verify within 1.5 × the floor's time.

    .venv/bin/python benchmarks/bench_history.py [--entries 1000000] [--per-case 10]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select  # noqa: E402

from benchmarks._common import postgres_database  # noqa: E402
from kfflow.database import Database  # noqa: E402
from kfflow.models import HistoryEntry, Measure, User  # noqa: E402
from kfflow.models.history import HASHED_COLUMNS, chain_hash, content_digest  # noqa: E402
from kfflow.services._common import bulk_insert  # noqa: E402
from kfflow.services.history import _BATCH, verify_history  # noqa: E402

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
TRIGGERS = ["propose", "prioritise", "decide", "report_progress", "implement", "evaluate", "edit"]


def _seed(db: Database, entries: int, per_case: int) -> None:
    cases = entries // per_case
    with db.session() as s, s.begin():
        bulk_insert(s, User.__table__, [{"id": 1, "username": "steering", "display_name": "Styrgrupp",
                                          "role": "steering", "active": True, "created_at": NOW}])
        for first in range(1, cases + 1, 10_000):
            measures, history = [], []
            for case_id in range(first, min(first + 10_000, cases + 1)):
                head = None
                for seq in range(1, per_case + 1):
                    row = dict(case_kind="measure", case_id=case_id, seq=seq, trigger=TRIGGERS[seq % len(TRIGGERS)],
                               from_state="decided", to_state="decided", actor_id=1,
                               at=NOW + timedelta(minutes=seq), comment="Vad är gjort: kartläggning klar.",
                               fields={"done": "Kartläggning genomförd.", "priority": seq}, workflow_version=1)
                    head = row["entry_hash"] = chain_hash(head, content_digest(*(row[c] for c in HASHED_COLUMNS)))
                    history.append(row)
                measures.append({"id": case_id, "title": f"Åtgärd {case_id}", "state": "decided",
                                 "workflow_name": "measure", "workflow_version": 1, "version": 1,
                                 "created_at": NOW, "updated_at": NOW, "history_length": per_case,
                                 "history_head": head})
            bulk_insert(s, Measure.__table__, measures)
            bulk_insert(s, HistoryEntry.__table__, history)
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE history_entry")


def _floor(db: Database) -> int:
    table = HistoryEntry.__table__
    statement = select(*(table.c[c] for c in HASHED_COLUMNS), table.c.id, table.c.entry_hash) \
        .order_by(table.c.case_kind, table.c.case_id, table.c.seq).execution_options(yield_per=_BATCH)
    count = 0
    with db.session() as s:
        for row in s.execute(statement):
            content_digest(*row[:len(HASHED_COLUMNS)])
            count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--per-case", type=int, default=10)
    args = parser.parse_args()
    with postgres_database() as url:
        db = Database.connect(url)
        start = time.perf_counter()
        _seed(db, args.entries, args.per_case)
        seed_s = time.perf_counter() - start
        floor_s = verify_s = 0.0
        for _ in range(2):  # alternate, so a warm cache or a busy neighbour favours neither
            start = time.perf_counter()
            count = _floor(db)
            floor_s += time.perf_counter() - start
            start = time.perf_counter()
            with db.session() as s:
                report = verify_history(s)
            verify_s += time.perf_counter() - start
        db.dispose()
    assert report.ok and report.checked == count, report
    ratio = verify_s / floor_s
    print(json.dumps({"entries": count, "seed_s": round(seed_s, 1), "floor_s": round(floor_s / 2, 2),
                      "verify_s": round(verify_s / 2, 2), "verify_over_floor": round(ratio, 3),
                      "goal_ratio": 1.5, "meets_goal": ratio <= 1.5}, indent=2))


if __name__ == "__main__":
    main()
