"""Import of a 10,000-row .xlsx into PostgreSQL against a bare floor measured in the same run.

Floor: openpyxl's read-only iteration of the same file plus one SQLAlchemy Core bulk INSERT of the rows
as measures, in one transaction. The import does more on top (every row validated, matched against the
register, one history row per measure), all in one transaction too.
Goal: import time ≤ 2 × floor; peak memory (max RSS of the process doing it) < 300 MB.
Each phase runs in its own child process so its peak RSS is its own; the best of `--repeat` runs counts.

    .venv/bin/python benchmarks/bench_import.py [--rows 10000] [--repeat 3]
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select, text  # noqa: E402

from benchmarks._common import postgres_database  # noqa: E402
from kfflow.config import PROJECT_ROOT  # noqa: E402
from kfflow.database import Database  # noqa: E402
from kfflow.models import Base, Body, HistoryEntry, Measure  # noqa: E402

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
HEADINGS = ["Åtgärd", "Beskrivning", "Kategori", "Arbetsgrupp", "Ansvarig", "Status", "Slutdatum",
            "Förväntad effekt", "Mätetal"]
CATEGORIES = ["Behålla", "Rekrytera", "Utveckla"]
GROUPS = ["RAK", "Löner och förmåner", "Chef och ledarskap", "Teknisk utveckling", "Arbetsmiljö"]
BODY = "HSD och DC"


def make_sheet(path: Path, rows: int) -> None:
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Åtgärder")
    ws.append(HEADINGS)
    for i in range(rows):
        ws.append([f"Åtgärd {i:05d}: bemanning och kompetens", f"Beskrivning av åtgärd {i} " * 3,
                   CATEGORIES[i % 3], GROUPS[i % 5], BODY, "Arbetet pågår.", date(2027, 1 + i % 12, 1 + i % 28),
                   "Fler sökande per tjänst.", "Antal sökande"])
    wb.save(path)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def phase_floor(url: str, path: Path) -> dict:
    import openpyxl

    db = Database.connect(url)
    start = time.perf_counter()
    wb = openpyxl.load_workbook(path, read_only=True)
    rows = []
    for values in wb.worksheets[0].iter_rows(min_row=2, values_only=True):
        rows.append({"title": values[0], "description": values[1], "category": values[2],
                     "working_group": values[3], "status_note": values[5], "due_date": values[6],
                     "expected_effect": values[7], "indicator": values[8], "state": "proposed",
                     "workflow_name": "measure", "workflow_version": 1, "version": 1,
                     "created_at": NOW, "updated_at": NOW})
    wb.close()
    with db.engine.begin() as conn:
        conn.execute(insert(Measure), rows)
    seconds = time.perf_counter() - start
    db.dispose()
    return {"seconds": seconds, "peak_mb": _peak_mb(), "rows": len(rows)}


def phase_import(url: str, path: Path) -> dict:
    from kfflow.services.importing import import_measures
    from kfflow.workflow import configure

    configure(PROJECT_ROOT / "workflows")
    db = Database.connect(url)
    with db.session() as session:
        start = time.perf_counter()
        result = import_measures(session, None, path, now=NOW)
        seconds = time.perf_counter() - start
    db.dispose()
    return {"seconds": seconds, "peak_mb": _peak_mb(), "rows": len(result.created)}


def _reset(url: str) -> None:
    db = Database.connect(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        conn.execute(insert(Body), [{"name": BODY, "kind": "department", "has_mandate": False, "active": True}])
    db.dispose()


def _child(phase: str, url: str, path: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--phase", phase, "--url", url, "--file", str(path)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--phase", choices=["floor", "import"])
    parser.add_argument("--url")
    parser.add_argument("--file", type=Path)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps((phase_floor if args.phase == "floor" else phase_import)(args.url, args.file)))
        return
    with tempfile.TemporaryDirectory(prefix="kfbench.") as folder, postgres_database() as url:
        path = Path(folder) / "atgarder.xlsx"
        make_sheet(path, args.rows)
        runs = {"floor": [], "import": []}
        for _ in range(args.repeat):
            for phase in ("floor", "import"):
                _reset(url)
                runs[phase].append(_child(phase, url, path))
        db = Database.connect(url)
        with db.engine.connect() as conn:
            history = conn.scalar(select(func.count()).select_from(HistoryEntry))
        db.dispose()
        best = {phase: min(r, key=lambda x: x["seconds"]) for phase, r in runs.items()}
        ratio = best["import"]["seconds"] / best["floor"]["seconds"]
        peak = max(r["peak_mb"] for r in runs["import"])
        print(json.dumps({
            "benchmark": "import_xlsx_postgresql",
            "rows": args.rows,
            "file_mb": round(path.stat().st_size / 1024 / 1024, 2),
            "floor_seconds": round(best["floor"]["seconds"], 3),
            "import_seconds": round(best["import"]["seconds"], 3),
            "ratio": round(ratio, 2),
            "floor_peak_mb": round(max(r["peak_mb"] for r in runs["floor"]), 1),
            "import_peak_mb": round(peak, 1),
            "history_rows_last_import": history,
            "goal": "ratio <= 2.0 and import_peak_mb < 300",
            "goal_met": ratio <= 2.0 and peak < 300,
            "runs": runs,
        }, indent=2))


if __name__ == "__main__":
    main()
