"""The lägesbild page over 10,000 measures with 50,000 measurements in PostgreSQL, against a floor of the same
aggregate queries in SQLAlchemy Core, and a frozen lägesbild loading.

Seed (bulk, in a fresh database): measures spread over every state, category, working group and strategic area,
due dates around today; 5,000 indicators with 10 measurements each; a progress report per decided measure; two
history entries per measure after the last steering meeting. Then, in one process:
- page: GET /lagesbild signed in (Flask test client: routing, session, the service, Jinja, the SVG charts);
- floor: the statements the lägesbild service sends for that page, captured once and run again as they are on a
  Core connection (`exec_driver_sql`, rows fetched), nothing else;
- statements: every SQL statement the page sends (the session and the user included; BEGIN/COMMIT not);
- frozen_load: `read_snapshot` in a fresh session (the stored numbers and the one before them, for the trend);
- frozen_page: GET /lagesbild/frysta/<id> of that snapshot (the same, with the session, the user and the page).
Prints JSON with p50/p95 in milliseconds. Goals: page p95 ≤ 1.5 × floor p95, ≤ 10 statements, frozen_load p95
< 50 ms (frozen_page reported beside it).

    .venv/bin/python benchmarks/bench_lagesbild.py [--measures 10000] [--per-indicator 10] [--requests 60]
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, insert, select  # noqa: E402

from benchmarks._common import postgres_database  # noqa: E402
from kfflow.clock import local_today  # noqa: E402
from kfflow.config import PROJECT_ROOT, Settings  # noqa: E402
from kfflow.database import Database  # noqa: E402
from kfflow.models import HistoryEntry, Indicator, Measure, Measurement, ProgressReport, User  # noqa: E402
from kfflow.services._common import bulk_insert  # noqa: E402

GOAL_RATIO, GOAL_STATEMENTS, GOAL_FROZEN_MS = 1.5, 10, 50.0
STATES = ["proposed", "prioritised", "decided", "decided", "decided", "implemented", "evaluated", "rejected",
          "withdrawn"]
CATEGORIES = ["retain", "recruit", "develop", None]
GROUPS = ["Rätt använd kompetens", "Löner och förmåner", "Chef och ledarskap", "Utbildning", "Arbetsmiljö", None]
AREAS = ["Behålla, utveckla och attrahera", "Arbetsmiljö och arbetssätt", "Löner och villkor", None]
BOOKKEEPING = {"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"}


def seed(db: Database, n_measures: int, per_indicator: int) -> tuple[int, int]:
    rng = random.Random(13)
    now = datetime.now(timezone.utc)
    today = local_today()
    with db.session() as s, s.begin():
        s.execute(insert(User), [{"id": 1, "username": "stina", "display_name": "Stina Styrgrupp", "role": "steering",
                                  "active": True, "created_at": now}])
        measures, reports, history, indicators, measurements = [], [], [], [], []
        for i in range(1, n_measures + 1):
            state = rng.choice(STATES)
            adopted = state in ("decided", "implemented", "evaluated")
            measures.append({"id": i, "title": f"Åtgärd {i}", "state": state, "workflow_name": "measure",
                             "workflow_version": 1, "version": 1, "category": rng.choice(CATEGORIES),
                             "working_group": rng.choice(GROUPS), "strategic_area": rng.choice(AREAS),
                             "owner_id": 1 if adopted else None, "created_at": now, "updated_at": now,
                             "due_date": today + timedelta(days=rng.randint(-60, 200)) if adopted else None,
                             "history_length": 2})
            for seq, (trigger, src, dest) in enumerate((("prioritise", "proposed", "prioritised"),
                                                         ("decide", "prioritised", "decided")), start=1):
                history.append({"case_kind": "measure", "case_id": i, "seq": seq, "trigger": trigger,
                                "from_state": src, "to_state": dest, "actor_id": 1, "fields": {},
                                "at": now - timedelta(days=rng.randint(0, 20)), "workflow_version": 1,
                                "entry_hash": f"{i:032d}{seq:032d}"})
            if state == "decided":
                reports.append({"measure_id": i, "reported_on": today - timedelta(days=rng.randint(0, 120)),
                                "author_id": 1, "done": "Kartläggning klar.", "created_at": now})
            if adopted and len(indicators) < n_measures // 2:
                ind_id = len(indicators) + 1
                indicators.append({"id": ind_id, "measure_id": i, "name": "Sjukfrånvaro", "unit": "%",
                                   "direction": rng.choice(["lower", "higher"]), "baseline": 7.9,
                                   "baseline_date": today - timedelta(days=400), "target": 6.5,
                                   "target_date": today + timedelta(days=700), "frequency_days": 90,
                                   "created_at": now})
                for k in range(per_indicator):
                    measurements.append({"indicator_id": ind_id, "value": round(rng.uniform(6, 9), 1),
                                         "measured_on": today - timedelta(days=30 * k + rng.randint(0, 20)),
                                         "entered_at": now})
        for table, rows in ((Measure, measures), (ProgressReport, reports), (HistoryEntry, history),
                            (Indicator, indicators), (Measurement, measurements)):
            bulk_insert(s, table.__table__, rows)
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
    return len(indicators), len(measurements)


def timed(fn, n: int) -> list[float]:
    for _ in range(3):   # warm-up: caches, compiled statements, templates
        fn()
    out = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def summary(ms: list[float]) -> dict:
    return {"p50_ms": round(statistics.median(ms), 2),
            "p95_ms": round(statistics.quantiles(ms, n=20)[-1], 2), "n": len(ms)}


def captured(engine):
    seen: list[tuple] = []

    def listen(conn, cursor, statement, parameters, context, executemany):
        if statement.split(None, 1)[0].upper() not in BOOKKEEPING:
            seen.append((statement, parameters))
    event.listen(engine, "before_cursor_execute", listen)
    return seen, lambda: event.remove(engine, "before_cursor_execute", listen)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--measures", type=int, default=10_000)
    parser.add_argument("--per-indicator", type=int, default=10)
    parser.add_argument("--requests", type=int, default=60)
    args = parser.parse_args()

    from kfflow.services.auth_sessions import start_session
    from kfflow.services.lagesbild import lagesbild
    from kfflow.services.lagesbild_snapshots import freeze_lagesbild, read_snapshot
    from webui import create_app

    with postgres_database() as url, tempfile.TemporaryDirectory(prefix="kfbench.") as folder:
        db = Database.connect(url)
        n_indicators, n_measurements = seed(db, args.measures, args.per_indicator)
        settings = Settings(instance_path=Path(folder) / "instance", database_url=url,
                            workflows_path=PROJECT_ROOT / "workflows", secret_key="bench-secret-key-not-for-production")
        app = create_app(settings, database=db, config={"TESTING": True})
        client = app.test_client()
        with db.session() as s:
            token = start_session(s, s.get(User, 1))
            snapshot_id = freeze_lagesbild(s, s.get(User, 1)).id
        with client.session_transaction() as flask_session:
            flask_session["_user_id"] = token
            flask_session["_fresh"] = True

        def page():
            answer = client.get("/lagesbild")
            assert answer.status_code == 200, answer.status_code

        def frozen_load():
            with db.session() as s:
                read_snapshot(s, snapshot_id)

        def frozen_page():
            answer = client.get(f"/lagesbild/frysta/{snapshot_id}")
            assert answer.status_code == 200, answer.status_code

        page()
        seen, stop = captured(db.engine)
        page()
        stop()
        page_statements = len(seen)
        with db.session() as s:      # the service's own statements, to run again as the floor
            service, stop = captured(db.engine)
            lagesbild(s)
            stop()

        def floor():
            with db.engine.connect() as conn:
                for statement, parameters in service:
                    conn.exec_driver_sql(statement, parameters).fetchall()

        rounds = {"page": [], "floor": [], "frozen_load": [], "frozen_page": []}
        for _ in range(3):   # interleaved, so a noisy neighbour hurts both alike
            rounds["floor"] += timed(floor, args.requests // 3)
            rounds["page"] += timed(page, args.requests // 3)
            rounds["frozen_load"] += timed(frozen_load, args.requests // 3)
            rounds["frozen_page"] += timed(frozen_page, args.requests // 3)
        result = {name: summary(ms) for name, ms in rounds.items()}
        ratio = result["page"]["p95_ms"] / result["floor"]["p95_ms"]
        print(json.dumps({
            "benchmark": "lagesbild", "database": "postgresql", "measures": args.measures,
            "indicators": n_indicators, "measurements": n_measurements, **result,
            "page_statements": page_statements, "service_statements": len(service),
            "page_vs_floor_p95": round(ratio, 2),
            "goals": {"page_vs_floor_p95": GOAL_RATIO, "page_statements": GOAL_STATEMENTS,
                      "frozen_load_p95_ms": GOAL_FROZEN_MS},
            "met": {"page_vs_floor_p95": ratio <= GOAL_RATIO, "page_statements": page_statements <= GOAL_STATEMENTS,
                    "frozen_load_p95_ms": result["frozen_load"]["p95_ms"] < GOAL_FROZEN_MS},
        }, indent=2))
        app.extensions["kfflow_jobs"].stop()
        db.dispose()


if __name__ == "__main__":
    main()
