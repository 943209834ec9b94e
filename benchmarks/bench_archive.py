"""`kfflow archive export` of many closed cases with their documents: time and peak memory.

Seeds N followed-up audits in PostgreSQL, each with 8 history entries and one registered 300 KB document, then
exports them all and verifies the packages. Peak memory is tracemalloc's peak of Python allocations during the
export; run it at two sizes: a streamed export's peak does not grow with N.

    .venv/bin/python benchmarks/bench_archive.py [--cases 1000] [--doc-kb 300]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import time
import tracemalloc
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import postgres_database  # noqa: E402
from kfflow.archive import export_cases, verify_packages  # noqa: E402
from kfflow.database import Database  # noqa: E402
from kfflow.models import Audit, DocumentRecord, HistoryEntry, StoredFile, User  # noqa: E402
from kfflow.models.history import HASHED_COLUMNS, chain_hash, content_digest  # noqa: E402
from kfflow.services._common import bulk_insert  # noqa: E402
from kfflow.workflow import configure  # noqa: E402

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
WORKFLOWS = Path(__file__).resolve().parent.parent / "workflows"
STEPS = [("register", None, "registered"), ("start_drafting", "registered", "drafting"),
         ("edit", "drafting", "drafting"), ("decide", "drafting", "decided"),
         ("register_document", "decided", "decided"), ("send", "decided", "sent"), ("edit", "sent", "sent"),
         ("follow_up", "sent", "followed_up")]


def _seed(db: Database, cases: int, doc_kb: int) -> None:
    with db.session() as s, s.begin():
        bulk_insert(s, User.__table__, [{"id": 1, "username": "registrar", "display_name": "Registrator",
                                          "role": "registrar", "active": True, "created_at": NOW}])
        for first in range(1, cases + 1, 100):
            audits, history, files, records = [], [], [], []
            for case_id in range(first, min(first + 100, cases + 1)):
                head = None
                for seq, (trigger, source, dest) in enumerate(STEPS, start=1):
                    row = dict(case_kind="audit", case_id=case_id, seq=seq, trigger=trigger, from_state=source,
                               to_state=dest, actor_id=1, at=NOW + timedelta(minutes=seq), comment=None,
                               fields={"note": "Beslut i regionstyrelsen."}, workflow_version=1)
                    head = row["entry_hash"] = chain_hash(head, content_digest(*(row[c] for c in HASHED_COLUMNS)))
                    history.append(row)
                audits.append({"id": case_id, "name": "Fördjupad granskning", "number": f"{case_id}/2022",
                               "subject": "Kompetensförsörjning", "diarienummer": f"RS/{case_id}/2022",
                               "responding_body": "Regionstyrelsen", "addressee": "Revisorerna", "signatories": [],
                               "template": "board", "state": "followed_up", "workflow_name": "audit",
                               "workflow_version": 1, "version": 1, "created_at": NOW, "updated_at": NOW,
                               "history_length": len(STEPS), "history_head": head})
                content = b"%PDF-1.7\n" + case_id.to_bytes(4, "big") * (doc_kb * 256)
                sha = hashlib.sha256(content).hexdigest()
                files.append({"id": case_id, "purpose": "document", "filename": "yttrande.pdf",
                              "media_type": "application/pdf", "size": len(content), "sha256": sha,
                              "backend": "database", "content": content, "created_at": NOW})
                records.append({"id": case_id, "diarienummer": f"RS/{case_id}/2022", "document_number": 1,
                                "kind": "yttrande", "subject_kind": "audit", "subject_id": case_id, "version": 1,
                                "document_date": date(2023, 3, 28), "sha256": sha, "size": len(content),
                                "media_type": "application/pdf", "stored_file_id": case_id, "created_at": NOW})
            bulk_insert(s, Audit.__table__, audits)
            bulk_insert(s, HistoryEntry.__table__, history)
            bulk_insert(s, StoredFile.__table__, files)
            bulk_insert(s, DocumentRecord.__table__, records)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--doc-kb", type=int, default=300)
    args = parser.parse_args()
    configure(WORKFLOWS)
    with postgres_database() as url, tempfile.TemporaryDirectory(prefix="kfarchive.") as out:
        db = Database.connect(url)
        _seed(db, args.cases, args.doc_kb)
        tracemalloc.start()
        start = time.perf_counter()
        with db.session() as s:
            result = export_cases(s, Path(out), now=NOW)
        export_s = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        start = time.perf_counter()
        report = verify_packages(Path(out))
        verify_s = time.perf_counter() - start
        db.dispose()
    assert report.ok and len(result.written) == args.cases, (report, len(result.written))
    print(json.dumps({"cases": args.cases, "doc_kb": args.doc_kb, "export_s": round(export_s, 1),
                      "cases_per_s": round(args.cases / export_s, 1), "export_peak_mb": round(peak / 2**20, 1),
                      "verify_s": round(verify_s, 1)}, indent=2))


if __name__ == "__main__":
    main()
