"""`make loadtest`: the roles of benchmarks/locustfile.py against the production topology on loopback.

A fresh PostgreSQL database (`kfflow db upgrade`, `kfflow demo`, a decided audit and 150 proposed measures), two
`kfflow serve` nodes with separate instance folders and two gunicorn workers each, a `kfflow worker`, two
`kfflow scheduler`s, Caddy with docker/Caddyfile terminating TLS in front; then locust, headless, for a fixed time.
Halfway through, node B and the leading scheduler are killed with SIGKILL (`--no-kill` to skip). Prints p95 per
page type, the expected 409s and 429s, every other error, and whether the standby scheduler took over; exits 1 on
an unexpected error.

    .venv/bin/python benchmarks/loadtest.py [--users 50] [--spawn-rate 10] [--duration 60] [--no-kill]
"""
from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kfflow.database import Database  # noqa: E402
from kfflow.models import User  # noqa: E402
from kfflow.services.importing import import_measures  # noqa: E402
from kfflow.workflow import configure  # noqa: E402
from sqlalchemy import select  # noqa: E402

from tests.audit_factories import answered_audit, decide  # noqa: E402
from tests.deploy_support import (BIN, KFFLOW, Process, clean_env, free_port, fresh_pg_database,  # noqa: E402
                                  start_node, start_proxy, stop_all,  # noqa: E402
                                  wait_proxy, wait_ready, wait_until)

DEMO_ROLES = {"contributor": "anna", "owner": "olle", "council": "rolf", "steering": "stina", "registrar": "rut",
              "admin": "admin"}
WORKERS_PER_NODE = 2
KILL_WINDOW = 20
PAGE_TYPES_UNDER_500_MS = ("page: measure list", "page: measure", "page: start", "page: audit list", "page: audit")


def _seed(url: str, env: dict, folder: Path) -> int:
    for argv in ([KFFLOW, "db", "upgrade"], [KFFLOW, "demo"]):
        done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
    configure(ROOT / "workflows")
    db = Database.connect(url)
    try:
        with db.session() as session:
            users = {role: session.scalar(select(User).where(User.username == name))
                     for role, name in DEMO_ROLES.items()}
            audit, _ = answered_audit(session, users)
            decide(session, users, audit)
            import openpyxl
            wb = openpyxl.Workbook()
            wb.active.append(["Åtgärd", "Kategori", "Beskrivning"])
            for i in range(150):
                wb.active.append([f"Förslag {i:03d}", ("Behålla", "Rekrytera", "Utveckla")[i % 3], "Underlag."])
            path = folder / "proposed.xlsx"
            wb.save(path)
            import_measures(session, users["registrar"], path, display_name="proposed.xlsx")
            return audit.id
    finally:
        db.dispose()


def _read_stats(prefix: Path) -> tuple[list[dict], list[dict]]:
    with open(f"{prefix}_stats.csv", encoding="utf-8") as fh:
        stats = [row for row in csv.DictReader(fh) if row["Name"] != "Aggregated"]
    with open(f"{prefix}_failures.csv", encoding="utf-8") as fh:
        failures = list(csv.DictReader(fh))
    return stats, failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--duration", type=int, default=60, help="seconds of load")
    parser.add_argument("--no-kill", action="store_true", help="do not kill a node and the leading scheduler")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="kfflow-loadtest.") as tmp, fresh_pg_database("kfflow_load") as url:
        folder = Path(tmp)
        https_port = free_port()
        env = clean_env(KFFLOW_DATABASE_URL=url, KFFLOW_SECRET_KEY="load-test-key-0123456789abcdef",
                        KFFLOW_BASE_URL=f"https://127.0.0.1:{https_port}", KFFLOW_INSTANCE=str(folder / "cli"),
                        KFFLOW_LOG_LEVEL="WARNING")
        audit_id = _seed(url, env, folder)
        processes: list[Process] = []
        try:
            nodes = [start_node(name, env, folder, workers=WORKERS_PER_NODE) for name in ("node-a", "node-b")]
            processes += [node for node, _ in nodes]
            schedulers = [Process(name, [KFFLOW, "scheduler", "--interval", "600", "--standby-poll", "5"], env,
                                  folder) for name in ("scheduler-1", "scheduler-2")]
            processes += schedulers
            processes.append(Process("worker", [KFFLOW, "worker"], env, folder))
            proxy, host, root_ca = start_proxy(folder, https_port, [base for _, base in nodes])
            processes.append(proxy)
            for node, base in nodes:
                wait_ready(node, base)
            wait_proxy(proxy, host, root_ca)
            leader = wait_until(lambda: next((s for s in schedulers if " svep: " in s.output), None), 60,
                                "the leading scheduler's first sweep")
            standby = next(s for s in schedulers if s is not leader)

            killed_at = {}

            def kill_halfway():
                time.sleep(args.duration / 2)
                killed_at["t"] = time.time()
                nodes[1][0].kill9()
                leader.kill9()
            if not args.no_kill:
                threading.Thread(target=kill_halfway, daemon=True).start()

            prefix, tally = folder / "locust", folder / "expected.json"
            started = time.monotonic()
            locust = subprocess.run(
                [str(BIN / "locust"), "-f", str(ROOT / "benchmarks/locustfile.py"), "--headless", "--host", host,
                 "--users", str(args.users), "--spawn-rate", str(args.spawn_rate), "--run-time", f"{args.duration}s",
                 "--stop-timeout", "10", "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING"],
                env=clean_env(KFFLOW_LOADTEST_CA=str(root_ca), KFFLOW_LOADTEST_TALLY=str(tally),
                              KFFLOW_LOADTEST_AUDIT=str(audit_id)),
                capture_output=True, text=True, timeout=args.duration + 120)
            elapsed = time.monotonic() - started
            took_over = " svep: " in standby.output
        finally:
            stop_all(processes)

        stats, failures = _read_stats(prefix)
        tallied = json.loads(tally.read_text()) if tally.exists() else {}
        expected = tallied.get("expected_409", {})

    print(f"\n{args.users} users, {args.duration} s ({elapsed:.0f} s with start and stop), two nodes × 2 workers "
          f"behind Caddy (TLS), PostgreSQL, all on this host"
          + ("" if args.no_kill else "; node B and the leading scheduler killed with SIGKILL halfway") + "\n")
    print("| request | count | p50 ms | p95 ms | max ms | expected 409/429 | errors |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for row in sorted(stats, key=lambda r: r["Name"]):
        print(f"| {row['Name']} | {row['Request Count']} | {row['50%']} | {row['95%']} | "
              f"{float(row['Max Response Time']):.0f} | {sum(n for k, n in expected.items() if k.rsplit(' (', 1)[0] == row['Name'])} | {row['Failure Count']} |")
    total = sum(int(r["Request Count"]) for r in stats)
    # Requests queued on the node killed halfway are lost with it: the proxy retries a GET on the other node
    # (within its 15 s), never a POST it already sent. Failures from the kill until KILL_WINDOW seconds after it
    # are reported apart; every other one is unexpected.
    kill = killed_at.get("t")
    at_kill = [f for f in tallied.get("failures", []) if kill and kill <= f[0] <= kill + KILL_WINDOW]
    unexpected = [f for f in tallied.get("failures", []) if f not in at_kill]
    print(f"\n{total} requests, {len(unexpected)} unexpected errors, {sum(expected.values())} expected 409/429"
          + ("" if kill is None else f", {len(at_kill)} failed within {KILL_WINDOW} s of the kill") + ".")
    for when, name, error in unexpected:
        print(f"  unexpected: {name}: {error}" + (f" ({when - kill:+.1f} s from the kill)" if kill else ""))
    for failure in failures:
        print(f"  all failures: {failure['Method']} {failure['Name']}: {failure['Error']} × {failure['Occurrences']}")
    if not args.no_kill:
        print(f"Standby scheduler took over after the leader was killed: {'yes' if took_over else 'NO'}.")
    slow = [r["Name"] for r in stats if r["Name"] in PAGE_TYPES_UNDER_500_MS and float(r["95%"]) >= 500]
    if slow:
        print(f"p95 of 500 ms or more: {', '.join(slow)}")
    if locust.returncode not in (0, 1):  # 1: locust saw failures, reported above
        print(locust.stderr[-2000:], file=sys.stderr)
    return 1 if unexpected or (not args.no_kill and not took_over) or locust.returncode not in (0, 1) else 0


if __name__ == "__main__":
    sys.exit(main())
