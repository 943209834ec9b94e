"""`kfflow history verify`: walk every case's hash chain and name the first entry that does not match."""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kfflow.db import utcnow
from kfflow.kinds import KINDS
from kfflow.models import HistoryEntry, Setting
from kfflow.models.history import HASHED_COLUMNS, chain_hash, content_digest

log = logging.getLogger(__name__)
# The history entry a thinning appends to the case (the tombstone), naming the entries it thinned.
THINNING_TRIGGER = "gallra"
# Where the last verification's outcome is kept for /metrics.
LAST_VERIFY_KEY = "history_verify_last"
_BATCH = 10_000


@dataclass(frozen=True)
class ChainReport:
    checked: int               # entries read
    problem: str | None        # the first mismatch, in English (None: every chain holds)

    @property
    def ok(self) -> bool:
        return self.problem is None


def _entries(session: Session):
    table = HistoryEntry.__table__
    columns = [table.c[name] for name in HASHED_COLUMNS] + [table.c.id, table.c.entry_hash, table.c.thinned_digest]
    statement = select(*columns).order_by(table.c.case_kind, table.c.case_id, table.c.seq)
    return session.execute(statement.execution_options(yield_per=_BATCH))


def _heads(session: Session) -> dict[tuple[str, int], tuple[int, str | None]]:
    heads = {}
    for kind, spec in KINDS.items():
        table = spec.model.__table__
        for case_id, length, head in session.execute(select(table.c.id, table.c.history_length,
                                                            table.c.history_head)):
            heads[kind, case_id] = (length, head)
    return heads


def verify_history(session: Session) -> ChainReport:
    """Recompute every chain (entries in case and sequence order) against the stored hashes and the case rows'
    heads; stops at the first entry that does not match: edited, deleted, reordered or inserted."""
    heads = _heads(session)
    entries = _entries(session)
    try:
        return _walk(entries, heads)
    finally:
        entries.close()  # a server-side cursor when it stops early


def _walk(entries, heads: dict) -> ChainReport:
    checked = 0
    case, length, head = None, 0, None
    untold: set[int] = set()  # thinned entries of this case no tombstone has named yet

    def chain_end_problem() -> str | None:
        if case is None:
            return None
        if untold:
            return (f"history of {case[0]} {case[1]}: entry #{min(untold)} was thinned, but no thinning entry "
                    "of the chain names it")
        expected = heads.pop(case, None)
        if expected is None:
            return f"history of {case[0]} {case[1]}: the case does not exist"
        if expected != (length, head):
            return (f"history of {case[0]} {case[1]}: the chain ends at entry {length} but the case records "
                    f"{expected[0]} entries (the newest entry was deleted, or entries were added outside kfflow)")
        return None

    hashed = len(HASHED_COLUMNS)
    for row in entries:
        checked += 1
        key = (row[0], row[1])  # case_kind, case_id: the first hashed columns
        if key != case:
            problem = chain_end_problem()
            if problem:
                return ChainReport(checked, problem)
            case, length, head = key, 0, None
            untold.clear()
        if row.seq != length + 1:
            return ChainReport(checked, f"{_where(row)}: expected #{length + 1} (an entry was deleted or moved)")
        if row.thinned_digest is None:
            head = chain_hash(head, content_digest(*row[:hashed]))
        else:  # its content was replaced by this digest under a retention rule
            head = chain_hash(head, row.thinned_digest)
            untold.add(row.seq)
        if row.entry_hash != head:
            return ChainReport(checked, f"{_where(row)}: its hash does not match its content and predecessor "
                                        "(edited, reordered or inserted)")
        if row.trigger == THINNING_TRIGGER:
            untold.difference_update(row.fields.get("thinned_history", ()))
        length += 1
    problem = chain_end_problem()
    if problem:
        return ChainReport(checked, problem)
    for (kind, case_id), (count, _head) in heads.items():
        if count:
            return ChainReport(checked, f"history of {kind} {case_id}: the case records {count} entries, "
                                        "none are left (deleted)")
    return ChainReport(checked, None)


def _where(row) -> str:
    return f"history entry {row.id} ({row.case_kind} {row.case_id}, #{row.seq})"


def record_verification(session: Session, report: ChainReport, now: datetime | None = None) -> None:
    """Keep the outcome for /metrics (committed by the caller)."""
    value = json.dumps({"at": (now or utcnow()).isoformat(), "ok": report.ok, "checked": report.checked,
                        "problem": report.problem})
    setting = session.get(Setting, LAST_VERIFY_KEY)
    if setting is None:
        session.add(Setting(key=LAST_VERIFY_KEY, value=value))
    else:
        setting.value = value


def verify_and_record(db, now: datetime | None = None) -> ChainReport:
    """Walk every chain in a session of its own and keep the outcome for /metrics (the CLI and the scheduler)."""
    with db.session() as session:
        report = verify_history(session)
        record_verification(session, report, now)
        session.commit()
    if not report.ok:
        log.error("history chain does not verify: %s", report.problem)
    return report


def last_verification(session: Session) -> dict | None:
    value = session.scalar(select(Setting.value).where(Setting.key == LAST_VERIFY_KEY))
    return json.loads(value) if value else None
