"""The measure list under load: the measures page (/atgarder?lage=decided, 50 a page) and
GET /api/v1/measures?limit=50&state=decided, each against a floor in the same run.

10,000 measures in a fresh PostgreSQL database; `kfflow serve` (gunicorn, 2 × cores + 1 workers) and, as
the floor, a bare Flask route on gunicorn with as many workers running the same SQL with SQLAlchemy Core.
A bounded loopback load (8 client threads, 400 requests each after a warm-up) alternates between them in rounds.
Prints JSON: p50/p95/errors of each and the ratios of the p95s to the floor's (goal: ≤ 1.5, zero errors).

    .venv/bin/python benchmarks/bench_list.py [--measures 10000] [--requests 400] [--clients 8]
"""
from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import insert

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._common import postgres_database  # noqa: E402
from kfflow.database import Database  # noqa: E402
from kfflow.models import Measure, User  # noqa: E402
from kfflow.security import hash_password  # noqa: E402
from kfflow.services.tokens import grant_token  # noqa: E402
from kfflow.workflow import configure  # noqa: E402
from webui.server import default_workers  # noqa: E402

GOAL = 1.5  # issue 11: each list at most 1.5 × the floor at p95
PASSWORD = "bench-password-123"
PASSWORD_HASH = hash_password(PASSWORD)
STATES = ["proposed", "prioritised", "decided", "decided", "implemented", "evaluated", "rejected"]
CATEGORIES = ["retain", "recruit", "develop"]
GROUPS = ["Rätt använd kompetens", "Löner och förmåner", "Chef och ledarskap", "Utbildning", "Övrigt"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed(url: str, n_measures: int) -> str:
    """Users and measures in bulk (the list reads rows; how they got there does not matter), and a token."""
    db = Database.connect(url)
    now = datetime.now(timezone.utc)
    rng = random.Random(7)
    with db.engine.begin() as conn:
        conn.execute(insert(User), [{"username": f"user{i}", "display_name": f"Användare {i}", "role": role,
                                     "active": True, "created_at": now,
                                     "password_hash": PASSWORD_HASH if i == 0 else None}
                                    for i, role in enumerate(["steering"] + ["owner"] * 40 + ["contributor"] * 20)])
        rows = []
        for i in range(n_measures):
            state = rng.choice(STATES)
            decided = state in ("decided", "implemented", "evaluated")
            rows.append({"title": f"Åtgärd {i}: kompetensförsörjning", "description": "Beskrivning " * 20,
                         "state": state, "workflow_name": "measure", "workflow_version": 1, "version": 1 + i % 4,
                         "category": rng.choice(CATEGORIES), "working_group": rng.choice(GROUPS),
                         "owner_id": rng.randint(2, 41) if decided else None, "proposer_id": rng.randint(42, 61),
                         "priority": rng.randint(1, 5), "created_at": now, "updated_at": now,
                         "due_date": date.today() + timedelta(days=rng.randint(-60, 300)) if decided else None})
        conn.execute(insert(Measure), rows)
    with db.session() as session:
        token = grant_token(session, session.get(User, 1), lifetime=timedelta(hours=2)).token
    db.dispose()
    return token


def wait_for(url: str, proc: subprocess.Popen, log: Path) -> None:
    for _ in range(120):
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            if proc.poll() is not None:
                raise SystemExit(f"server exited:\n{log.read_text()[-500:]}")
            time.sleep(0.5)
    raise SystemExit(f"{url} did not answer in 60 s")


@dataclass(frozen=True)
class Target:
    url: str
    headers: dict
    marker: bytes  # what a good answer contains


def timed_get(target: Target) -> tuple[float, bool]:
    req = urllib.request.Request(target.url, headers=target.headers)
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            ok = r.status == 200 and target.marker in r.read()
    except OSError:  # HTTPError included
        ok = False
    return time.perf_counter() - start, ok


def web_session_cookie(base: str, username: str, password: str) -> str:
    """Sign in through the real login form (CSRF token included) and return the session cookie."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(base + "/logga-in", timeout=30).read().decode()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    form = urllib.parse.urlencode({"csrf_token": csrf, "username": username, "password": password}).encode()
    opener.open(base + "/logga-in", form, timeout=30).read()
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def load(targets: dict[str, Target], requests: int, clients: int, rounds: int = 8) -> dict:
    """Alternate rounds between the targets, so all meet the same background load on a shared machine."""
    results: dict[str, list[tuple[float, bool]]] = {label: [] for label in targets}
    walls = dict.fromkeys(targets, 0.0)
    with ThreadPoolExecutor(clients) as pool:
        for target in targets.values():  # warm-up: every worker connects and loads its code
            list(pool.map(lambda _: timed_get(target), range(clients * 5)))
        for _ in range(rounds):
            for label, target in targets.items():
                started = time.perf_counter()
                results[label] += pool.map(lambda _: timed_get(target), range(requests // rounds))
                walls[label] += time.perf_counter() - started
    summary = {}
    for label, got in results.items():
        times = sorted(t for t, _ in got)
        summary[label] = {"p50_ms": round(statistics.median(times) * 1000, 1),
                          "p95_ms": round(times[int(len(times) * 0.95) - 1] * 1000, 1),
                          "errors": sum(1 for _, ok in got if not ok), "requests": len(got),
                          "rps": round(len(got) / walls[label], 1)}
    return summary


def stop(procs: list[subprocess.Popen]) -> None:
    """SIGTERM first: a gunicorn master killed outright leaves its workers running."""
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--measures", type=int, default=10_000)
    ap.add_argument("--requests", type=int, default=400)
    ap.add_argument("--clients", type=int, default=8)
    args = ap.parse_args()
    configure(ROOT / "workflows")
    procs: list[subprocess.Popen] = []
    workdir = Path(tempfile.mkdtemp(prefix="kfbench."))
    with postgres_database() as url:
        try:
            run(url, args, workdir, procs)
        finally:
            stop(procs)


def run(url: str, args, workdir: Path, procs: list) -> None:
    """Seed, start both servers (kept in `procs` for the caller to stop), load them, print the figures."""
    token = seed(url, args.measures)
    workers = default_workers()
    env = {**os.environ, "KFFLOW_DATABASE_URL": url, "KFFLOW_SECRET_KEY": "bench-secret-key-0123456789",
           "KFFLOW_INSTANCE": str(workdir), "PYTHONPATH": str(ROOT)}
    bindir = Path(sys.executable).parent
    api_port, floor_port = free_port(), free_port()
    servers = {
        "api": ([str(bindir / "kfflow"), "serve", "--host", "127.0.0.1", "--port", str(api_port)],
                f"http://127.0.0.1:{api_port}/api/v1/measures?limit=50&state=decided"),
        "floor": ([str(bindir / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{floor_port}",
                   "--chdir", str(ROOT), "benchmarks.list_floor_app:app"],
                  f"http://127.0.0.1:{floor_port}/floor/measures?limit=50&state=decided"),
    }
    for label, (cmd, target) in servers.items():
        log = workdir / f"{label}.log"
        proc = subprocess.Popen(cmd, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, cwd=workdir)
        procs.append(proc)
        wait_for(target, proc, log)
    api_base = f"http://127.0.0.1:{api_port}"
    cookie = web_session_cookie(api_base, "user0", PASSWORD)
    bearer = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    targets = {
        "page": Target(f"{api_base}/atgarder?lage=decided", {"Cookie": cookie}, b"<table"),
        "api": Target(servers["api"][1], bearer, b'"items"'),
        "floor": Target(servers["floor"][1], bearer, b'"items"'),
    }
    results = load(targets, args.requests, args.clients)
    floor = results["floor"]["p95_ms"]
    ratios = {label: round(results[label]["p95_ms"] / floor, 2) for label in ("page", "api")}
    print(json.dumps({
        "benchmark": "the measures page and GET /api/v1/measures, 50 a page, filtered on state",
        "database": "postgresql", "measures": args.measures, "workers": workers, "cpu_count": os.cpu_count(),
        "clients": args.clients, **results, "p95_ratio": ratios, "goal": f"p95 ≤ {GOAL} × floor, zero errors",
        "goal_met": all(r <= GOAL for r in ratios.values()) and results["page"]["errors"] == results["api"]["errors"] == 0,
    }, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
