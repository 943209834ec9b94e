import pytest
from sqlalchemy import delete, update

from kfflow.models import HistoryEntry, HistoryIsAppendOnly
from kfflow.services.cases import history_of

from tests.factories import measure_in_state


def test_history_rows_cannot_be_changed_or_deleted(session, users):
    m = measure_in_state(session, users, "decided")
    entry = history_of(session, m)[0]
    entry.comment = "ändrad i efterhand"
    with pytest.raises(HistoryIsAppendOnly):
        session.commit()
    session.rollback()
    session.delete(history_of(session, m)[0])
    with pytest.raises(HistoryIsAppendOnly):
        session.commit()
    session.rollback()
    with pytest.raises(HistoryIsAppendOnly):
        session.execute(update(HistoryEntry).values(comment="x"))
    session.rollback()
    with pytest.raises(HistoryIsAppendOnly):
        session.execute(delete(HistoryEntry))
    session.rollback()
    assert [h.comment for h in history_of(session, m)] == [None, None, None]


def test_history_records_who_when_and_what(session, users):
    m = measure_in_state(session, users, "decided")
    decide = history_of(session, m)[-1]
    assert (decide.trigger, decide.from_state, decide.to_state) == ("decide", "prioritised", "decided")
    assert decide.actor.username == "steering"
    assert decide.fields["owner"] == "owner" and decide.fields["decision_ref"] == "RS 2023-03-28 § 81"
    assert decide.at.tzinfo is not None
