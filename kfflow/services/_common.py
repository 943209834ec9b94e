"""Small helpers the services share: loading the actor and a case inside the service's transaction."""
from __future__ import annotations

import functools
import json
from datetime import datetime

from sqlalchemy import JSON, bindparam, func, insert, inspect, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from kfflow.db import utcnow
from kfflow.errors import NotFound, PermissionDenied, StaleCase
from kfflow.kinds import KINDS
from kfflow.models import HistoryEntry, User
from kfflow.models.history import HASHED_COLUMNS, chain_hash, content_digest
from kfflow.workflow.fields import MAX_ID


def _storable_id(case_id) -> bool:
    """A number an integer primary key can hold; a larger one names no row (and PostgreSQL refuses the cast)."""
    return isinstance(case_id, int) and 0 < case_id <= MAX_ID


def load_actor(session: Session, actor: User | int) -> User:
    """A fresh copy of the acting user, so a deactivation made meanwhile is seen."""
    actor_id = actor if isinstance(actor, int) else actor.id
    user = session.get(User, actor_id, populate_existing=True)
    if user is None or not user.active:
        raise PermissionDenied("Du måste vara inloggad med ett aktivt konto.")
    return user


@functools.cache
def _actor_and_case_statement(model):
    # Two primary-key lookups as one (deliberate) cross join of two single rows, built once per model.
    return (select(User, model).join_from(User, model, true())
            .where(User.id == bindparam("actor_id"), model.id == bindparam("case_id"))
            .execution_options(populate_existing=True))


def load_actor_and_case(session: Session, actor: User | int, kind: str, case_id: int):
    """Both fresh from the database in one round trip (the hot path of every transition)."""
    if kind not in KINDS:
        raise NotFound(f"Okänd ärendetyp: {kind}.")
    model = KINDS[kind].model
    actor_id = actor if isinstance(actor, int) else actor.id
    row = None
    if _storable_id(case_id):
        row = session.execute(_actor_and_case_statement(model), {"actor_id": actor_id, "case_id": case_id}).first()
    if row is None:
        load_actor(session, actor_id)  # raises when the actor is the one missing
        raise NotFound("Ärendet finns inte.")
    user, case = row
    if not user.active:
        raise PermissionDenied("Du måste vara inloggad med ett aktivt konto.")
    return user, case


def case_ref(case) -> tuple[str, int]:
    if isinstance(case, tuple):
        return case
    return (case.case_kind, case.id)


def load_case(session: Session, kind: str, case_id: int, *, for_write: bool = True):
    if kind not in KINDS:
        raise NotFound(f"Okänd ärendetyp: {kind}.")
    model = KINDS[kind].model
    obj = session.get(model, case_id, populate_existing=for_write) if _storable_id(case_id) else None
    if obj is None:
        raise NotFound("Ärendet finns inte.")
    return obj


STALE_MESSAGE = "Någon annan har ändrat ärendet under tiden. Ladda om sidan och försök igen."


def flush_case_changes(session: Session) -> None:
    """Write pending changes now; an UPDATE that finds the version moved becomes StaleCase."""
    try:
        session.flush()
    except StaleDataError:
        raise StaleCase(STALE_MESSAGE) from None


_HISTORY_INSERT = insert(HistoryEntry.__table__)  # Core: one compiled statement, parameters per call


def history_row(*, case, trigger: str, from_state: str | None, actor: User | None, at: datetime | None = None,
                fields: dict | None = None, comment: str | None = None) -> dict:
    """The parameters of one history INSERT (its place in the chain is added by the writer)."""
    # Stored as JSON: hash what the column gives back (tuples become lists, and so on).
    fields = json.loads(json.dumps(fields)) if fields else {}
    return dict(case_kind=case.case_kind, case_id=case.id, trigger=trigger, from_state=from_state,
                to_state=case.state, actor_id=actor.id if actor else None, at=at or utcnow(), fields=fields,
                comment=comment, workflow_version=case.workflow_version)


def _chain(row: dict, length: int, head: str | None) -> str:
    """Give `row` its place after (length, head) in its case's chain; returns its hash."""
    row["seq"] = length + 1
    row["entry_hash"] = chain_hash(head, content_digest(*(row[c] for c in HASHED_COLUMNS)))
    return row["entry_hash"]


def add_history(session: Session, *, case, trigger: str, from_state: str | None, actor: User | None,
                at: datetime | None = None, fields: dict | None = None, comment: str | None = None) -> None:
    """Append one history row to the case's hash chain; the only writer of single entries.

    The case's own UPDATE is flushed first, so that a concurrent change surfaces as StaleCase here. When the
    case is being changed anyway, its new chain head rides in that same (version-checked) UPDATE; otherwise
    one UPDATE that expects the old length moves it. Either way a second writer appending to the same chain
    meanwhile loses: on the length check, or on the unique (case, seq) of the entry.
    """
    row = history_row(case=case, trigger=trigger, from_state=from_state, actor=actor, at=at, fields=fields,
                      comment=comment)
    state = inspect(case)
    length, head = case.history_length or 0, case.history_head
    rides_along = state.persistent and session.is_modified(case)
    if rides_along:
        case.history_length, case.history_head = length + 1, _chain(row, length, head)
    flush_case_changes(session)
    if not rides_along:
        row["case_id"] = case.id  # a new case has its id now
        new_head = _chain(row, length, head)
        table = type(case).__table__
        moved = session.execute(
            update(table).where(table.c.id == case.id, table.c.history_length == length)
            .values(history_length=length + 1, history_head=new_head, updated_at=table.c.updated_at))
        if moved.rowcount != 1:
            raise StaleCase(STALE_MESSAGE)
        set_committed_value(case, "history_length", length + 1)
        set_committed_value(case, "history_head", new_head)
    try:
        session.execute(_HISTORY_INSERT, row)
    except IntegrityError as exc:
        if not any(name in str(exc.orig) for name in _CHAIN_PLACE_TAKEN):
            raise
        raise StaleCase(STALE_MESSAGE) from None


# The unique (case, seq) as PostgreSQL and SQLite name it when another writer took the place first.
_CHAIN_PLACE_TAKEN = ("uq_history_entry_case_kind_case_id_seq", "history_entry.seq")


def populate(obj, values: dict) -> dict:
    """Set each value that differs on `obj`; return what changed as {name: {"from", "to"}} for the history.

    Indico's `populate_from_dict` + diff log: the caller writes one history entry with this diff.
    """
    from kfflow.workflow.fields import to_record

    changed = {}
    for name, value in values.items():
        if getattr(obj, name) != value:
            changed[name] = {"from": to_record(getattr(obj, name)), "to": to_record(value)}
            setattr(obj, name, value)
    return changed


def check_version(case, expected_version: int | None) -> None:
    """StaleCase when the caller saw another version than the case has now (None: the caller saw none)."""
    from kfflow.workflow.fields import parse_version

    expected_version = parse_version(expected_version)
    if expected_version is not None and expected_version != case.version:
        raise StaleCase(STALE_MESSAGE)


def reserve_ids(session: Session, table, count: int) -> list[int]:
    """`count` fresh primary keys for rows inserted in bulk without RETURNING (which is 3–4 × slower here).

    PostgreSQL: from the table's sequence. SQLite: after the current maximum, which is safe because a
    write transaction holds SQLite's write lock (BEGIN IMMEDIATE) until it commits.
    """
    if count <= 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        sequence = func.pg_get_serial_sequence(table.name, "id")
        return list(session.scalars(select(func.nextval(sequence)).select_from(func.generate_series(1, count))))
    start = session.scalar(select(func.coalesce(func.max(table.c.id), 0))) + 1
    return list(range(start, start + count))


def add_history_rows(session: Session, rows: list[dict]) -> None:
    """Many `history_row`s in one go (an import appends thousands in one transaction), each chained after its
    case's head as the database has it now; the cases' heads then move in one executemany."""
    heads: dict[tuple[str, int], tuple[int, str | None]] = {}
    for kind in {row["case_kind"] for row in rows}:
        table = KINDS[kind].model.__table__
        ids = sorted({row["case_id"] for row in rows if row["case_kind"] == kind})
        for start in range(0, len(ids), 5000):
            for case_id, length, head in session.execute(
                    select(table.c.id, table.c.history_length, table.c.history_head)
                    .where(table.c.id.in_(ids[start:start + 5000]))):
                heads[kind, case_id] = (length, head)
    for row in rows:
        key = (row["case_kind"], row["case_id"])
        length, head = heads[key]
        heads[key] = (length + 1, _chain(row, length, head))
    bulk_insert(session, HistoryEntry.__table__, rows)
    for kind in {kind for kind, _ in heads}:
        table = KINDS[kind].model.__table__
        session.execute(update(table).where(table.c.id == bindparam("case_id"))
                        .values(history_length=bindparam("length"), history_head=bindparam("head"),
                                updated_at=table.c.updated_at),
                        [{"case_id": case_id, "length": length, "head": head}
                         for (k, case_id), (length, head) in heads.items() if k == kind])


COPY_FROM_ROWS = 50  # below this a plain INSERT is as quick


def bulk_insert(session: Session, table, rows: list[dict]) -> None:
    """Insert many rows with the same keys inside the session's transaction.

    PostgreSQL: COPY, several times faster than an executemany of INSERTs; elsewhere one executemany.
    The rows are the values the columns store (aware UTC datetimes, dicts for JSON), as for an INSERT.
    """
    if not rows:
        return
    if len(rows) < COPY_FROM_ROWS or session.get_bind().dialect.name != "postgresql":
        session.execute(insert(table), rows)
        return
    from psycopg.types.json import Jsonb

    names = list(rows[0])
    json_columns = {c.name for c in table.columns if isinstance(c.type, JSON)}
    columns = ", ".join(f'"{n}"' for n in names)
    cursor = session.connection().connection.driver_connection.cursor()
    with cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([Jsonb(row[n]) if n in json_columns and row[n] is not None else row[n] for n in names])
