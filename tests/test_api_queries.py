"""The measure list costs the same number of SQL statements for 5 rows as for 50 (no N+1)."""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from kfflow.services.measures import propose_measure

from tests.conftest import NOW
from tests.factories import measure_in_state


@contextmanager
def counted_statements(engine):
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_list_page_query_count_does_not_grow_with_page_size(api, database, session, users, make_user):
    owners = [make_user(f"owner{i}", "owner") for i in range(5)]
    for i in range(50):
        if i % 10 == 0:
            measure_in_state(session, users, "decided", title=f"Åtgärd {i}", owner=owners[i // 10])
        else:
            propose_measure(session, users["contributor" if i % 2 else "council"], {"title": f"Åtgärd {i}"}, now=NOW)
    token = api.token("steering")  # taken before counting

    def statements_for(limit: int) -> int:
        with counted_statements(database.engine) as statements:
            status, page = api.call("GET", f"/measures?limit={limit}", token=token)
        assert status == 200 and len(page["items"]) == limit
        assert all("owner" in item and "proposer" in item for item in page["items"])
        return len(statements)

    small, large = statements_for(5), statements_for(50)
    assert small == large
    assert large <= 6  # token, count, page (plus BEGIN/ROLLBACK bookkeeping on SQLite)
