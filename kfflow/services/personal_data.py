"""`kfflow person export`: everything kfflow holds about one person (GDPR art. 15), as one JSON document.

Found through the schema, not a list kept by hand: the person's own row, and every row of every table with a
foreign key to it (cases proposed or owned, history entries they wrote, progress reports, comments, documents
they registered, notifications, sessions, tokens, thinning-log entries …), so a new table is covered without
touching this file. Credentials (password and token hashes) are named but not given out; stored bytes are
described by size. Names written as free text (an yttrande's signatories) are not found this way
(docs/records.md).
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import LargeBinary, or_, select
from sqlalchemy.orm import Session

from kfflow.db import Base, utcnow
from kfflow.errors import NotFound
from kfflow.models import User

# Columns whose value is a credential: their presence is told, never their value.
CREDENTIAL_COLUMNS = frozenset({"password_hash", "token_hash"})


def _plain(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def _row(table, row) -> dict:
    out = {}
    for column in table.columns:
        if isinstance(column.type, LargeBinary):
            value = row[column.name]
            out[column.name] = None if value is None else f"({len(value)} byte, lämnas ut separat på begäran)"
        elif column.name in CREDENTIAL_COLUMNS:
            out[column.name] = "(finns, lämnas inte ut)" if row[column.name] else None
        else:
            out[column.name] = _plain(row[column.name])
    return out


def person_export(session: Session, username: str) -> dict:
    user_table = User.__table__
    user = session.execute(select(user_table).where(user_table.c.username == username)).mappings().first()
    if user is None:
        raise NotFound(f"Användaren {username} finns inte.")
    records = {}
    for table in Base.metadata.sorted_tables:
        columns = [fk.parent for fk in table.foreign_keys if fk.column.table is user_table]
        if not columns or table is user_table:
            continue
        rows = session.execute(select(table).where(or_(*(c == user["id"] for c in columns)))
                               .order_by(*table.primary_key.columns)).mappings().all()
        if rows:
            records[table.name] = {"via": [c.name for c in columns], "rows": [_row(table, r) for r in rows]}
    return {"exported_at": utcnow().isoformat(), "person": _row(user_table, user), "records": records}
