"""Heavy reports off the request path: a list request while four reports are made, and what the job adds.

A fresh PostgreSQL database with N measures; `kfflow serve --workers 2` (a two-worker node) and one
`kfflow worker` (the deployment's job worker). First the idle p95 of GET /api/v1/measures?limit=50&state=decided;
then four heavy reports are asked for (two users × slutredovisning and delrapport over all time: each answers
202 and a job) and the same request is timed while they are queued or rendering. Goal (issue 12): the p95
under load ≤ 2 × the idle p95, no errors.

Second figure: the job wrapper's cost. The same slutredovisning rendered by the service directly and as a job
(`request_document` + `execute_job`: the row, the claim, the stored result), median of a few runs each.
Goal: ≤ 5 % more.

    .venv/bin/python benchmarks/bench_heavy.py [--measures 1000] [--idle 200] [--runs 3]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._common import postgres_database  # noqa: E402
from benchmarks.bench_list import Target, free_port, seed, stop, timed_get, wait_for  # noqa: E402
from kfflow.database import Database  # noqa: E402
from kfflow.jobs.queue import EMBEDDED, JobQueue, create_queue_schema  # noqa: E402
from kfflow.models import User  # noqa: E402
from kfflow.services.tokens import grant_token  # noqa: E402
from kfflow.workflow import configure  # noqa: E402

GOAL_LOAD = 2.0     # list p95 under four heavy reports ≤ 2 × idle p95
GOAL_WRAPPER = 1.05  # a render as a job ≤ 5 % slower than the render alone


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return round(ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000, 1)


def timed(target: Target, n: int, clients: int = 2) -> tuple[list[float], int]:
    with ThreadPoolExecutor(clients) as pool:
        got = list(pool.map(lambda _: timed_get(target), range(n)))
    return [t for t, _ in got], sum(1 for _, ok in got if not ok)


def get_json(url: str, headers: dict) -> tuple[int, dict]:
    req = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, (json.loads(r.read()) if r.headers.get_content_type() == "application/json" else {})
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def under_load(base: str, target: Target, tokens: list[str]) -> dict:
    """Ask for four reports, then time the list until every job has ended."""
    asks = []
    for i, token in enumerate(tokens):
        headers = {"Authorization": f"Bearer {token}"}
        asks.append((headers, f"/api/v1/reports/slutredovisning.pdf?dnr=BENCH/{i}/2026"))
        asks.append((headers, f"/api/v1/reports/delrapport.pdf?from=2000-01-01&to=2099-12-31&dnr=BENCH/{i}/2026"))
    jobs = []
    started = time.perf_counter()
    for headers, path in asks:
        status, body = get_json(base + path, headers)
        assert status == 202, (status, body)
        jobs.append((headers, f"{base}/api/v1/jobs/{body['id']}"))
    times: list[float] = []
    errors = 0
    states: list[str] = []
    while True:
        batch, failed = timed(target, 10)
        times += batch
        errors += failed
        states = [get_json(url, headers)[1]["state"] for headers, url in jobs]
        if all(state in ("done", "failed") for state in states) or time.perf_counter() - started > 900:
            break
    return {"times": times, "errors": errors, "states": states, "seconds": round(time.perf_counter() - started, 1)}


def wrapper_cost(url: str, runs: int) -> dict:
    """The same render directly and as a job, in this process (an embedded queue whose worker is not used)."""
    from kfflow.jobs.runner import execute_job
    from kfflow.services.documents import render_slutredovisning
    from kfflow.services.jobs import request_document

    db = Database.connect(url)
    queue = JobQueue(db, EMBEDDED)
    queue.start_embedded = lambda: None  # the job is run below, in this thread, as a worker runs it
    direct, as_job = [], []
    with db.session() as session:
        actor = session.get(User, 1)
        render_slutredovisning(session, actor)  # warm-up: templates, fonts
        for run in range(runs):
            t = time.perf_counter()
            with db.session() as fresh:  # a fresh session, as each job has
                render_slutredovisning(fresh, actor.id, diarienummer=f"DIRECT/{run}/2026")
            direct.append(time.perf_counter() - t)
            t = time.perf_counter()
            answer = request_document(session, actor, "slutredovisning", {"dnr": f"JOB/{run}/2026"}, queue, limit=99)
            assert execute_job(db, answer.job.id) == "done"
            as_job.append(time.perf_counter() - t)
    db.dispose()
    ratio = statistics.median(as_job) / statistics.median(direct)
    return {"direct_median_s": round(statistics.median(direct), 2), "job_median_s": round(statistics.median(as_job), 2),
            "ratio": round(ratio, 3), "goal": f"≤ {GOAL_WRAPPER}", "goal_met": ratio <= GOAL_WRAPPER}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--measures", type=int, default=1000)
    ap.add_argument("--idle", type=int, default=200)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    configure(ROOT / "workflows")
    procs: list[subprocess.Popen] = []
    workdir = Path(tempfile.mkdtemp(prefix="kfbench."))
    with postgres_database() as url:
        try:
            db = Database.connect(url)
            with db.engine.begin() as conn:
                create_queue_schema(conn)
            token = seed(url, args.measures)
            with db.session() as session:  # a second steering member: the per-user limit is two reports each
                tokens = [token, grant_token(session, session.get(User, 2), lifetime=timedelta(hours=2)).token]
            db.dispose()
            env = {**os.environ, "KFFLOW_DATABASE_URL": url, "KFFLOW_SECRET_KEY": "bench-secret-key-0123456789",
                   "KFFLOW_INSTANCE": str(workdir), "PYTHONPATH": str(ROOT)}
            bindir = Path(sys.executable).parent
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            target = Target(f"{base}/api/v1/measures?limit=50&state=decided",
                            {"Authorization": f"Bearer {token}", "Accept": "application/json"}, b'"items"')
            for name, cmd in (("web", [str(bindir / "kfflow"), "serve", "--host", "127.0.0.1", "--port", str(port),
                                       "--workers", "2"]),
                              ("worker", [str(bindir / "kfflow"), "worker"])):
                log = workdir / f"{name}.log"
                procs.append(subprocess.Popen(cmd, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
                                              cwd=workdir))
            wait_for(target.url, procs[0], workdir / "web.log")
            timed(target, 20)  # warm-up
            idle, idle_errors = timed(target, args.idle)
            loaded = under_load(base, target, tokens)
            stop(procs)
            wrapper = wrapper_cost(url, args.runs)
        finally:
            stop(procs)
    idle_p95, load_p95 = p95(idle), p95(loaded["times"])
    ratio = round(load_p95 / idle_p95, 2)
    print(json.dumps({
        "benchmark": "GET /api/v1/measures while four heavy reports are made (jobs), and the job wrapper's cost",
        "database": "postgresql", "measures": args.measures, "web_workers": 2, "job_workers": 1,
        "cpu_count": os.cpu_count(),
        "list_idle": {"p95_ms": idle_p95, "requests": len(idle), "errors": idle_errors},
        "list_under_four_reports": {"p95_ms": load_p95, "requests": len(loaded["times"]), "errors": loaded["errors"],
                                    "jobs": loaded["states"], "seconds_until_all_ended": loaded["seconds"]},
        "p95_ratio": ratio, "goal": f"≤ {GOAL_LOAD} × idle p95, zero errors",
        "goal_met": ratio <= GOAL_LOAD and loaded["errors"] == idle_errors == 0,
        "job_wrapper": wrapper,
    }, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
