"""The measure list, in the API and on its page, costs at most three SQL statements, the same for 5 rows as
for 50 (no N+1). Transaction bookkeeping (BEGIN, COMMIT, ROLLBACK) is not counted."""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from kfflow.services.measures import propose_measure

from tests.conftest import NOW
from tests.factories import measure_in_state
from tests.web_support import sign_in


BOOKKEEPING = {"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"}


@contextmanager
def counted_statements(engine):
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        if statement.split(None, 1)[0].upper() not in BOOKKEEPING:
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

    status, past_the_end = api.call("GET", "/measures?limit=5&offset=1000", token=token)
    assert status == 200 and past_the_end == {"items": [], "total": 50}
    small, large = statements_for(5), statements_for(50)
    assert small == large
    assert large <= 3  # token, the page with its total (a page past the end asks for the total apart)


def test_list_page_costs_three_statements_whatever_the_rows(make_web_app, database, session, users):
    """Session with user and unread count; counts per state with the people; the rows."""
    client = sign_in(make_web_app(), session, users["steering"])
    measure_in_state(session, users, "decided", title="Första")

    def statements_for(url: str) -> list[str]:
        with counted_statements(database.engine) as statements:
            response = client.get(url)
        assert response.status_code == 200 and "<table" in response.get_data(as_text=True)
        return statements

    few = statements_for("/atgarder?lage=decided")
    for i in range(30):
        propose_measure(session, users["contributor"], {"title": f"Åtgärd {i}"}, now=NOW)
        if i % 2:
            measure_in_state(session, users, "decided", title=f"Beslutad {i}", owner=users["other_owner"])
    many = statements_for("/atgarder?lage=decided&sortera=title&q=a")
    assert len(few) == len(many) <= 3, many
    assert len(statements_for("/atgarder?lage=implemented")) <= 3  # an empty page: its rows are not even asked for
