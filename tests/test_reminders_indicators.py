"""The `indicator_value_due` rule: an owner is reminded when one of their measure's indicators is due a new value
(its frequency after the last value, the baseline until the first), once per occurrence; a new value moves it."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from kfflow.models import OutboxMessage
from kfflow.services.indicators import add_indicator, add_measurement, indicator_statuses

from tests.conftest import NOW
from tests.factories import measure_in_state
from tests.reminders_support import at, sweep

BASELINE = date(2026, 1, 15)
INDICATOR = {"name": "Sjukfrånvaro bland sjuksköterskor", "unit": "%", "direction": "lower", "baseline": 7.9,
             "baseline_date": BASELINE.isoformat(), "target": 6.5, "target_date": "2027-12-31", "frequency_days": 30}


def _indicator_mail(session) -> list[tuple]:
    session.rollback()
    return session.execute(select(OutboxMessage.occurrence, OutboxMessage.subject)
                           .where(OutboxMessage.rule == "indicator_value_due").order_by(OutboxMessage.id)).all()


def test_an_owner_is_reminded_once_when_an_indicator_is_due_and_a_new_value_moves_it(session, users, database,
                                                                                      smtp_server):
    measure = measure_in_state(session, users, "decided", title="Friskvård <för> alla")
    indicator = add_indicator(session, users["owner"], measure.id, INDICATOR, now=NOW)
    due = BASELINE + timedelta(days=30)        # a value was due 30 days after the baseline
    sweep(database, at(due), smtp_server)       # the day it is due: not stale yet
    assert _indicator_mail(session) == []
    sweep(database, at(due, days=1), smtp_server)
    sweep(database, at(due, 15, days=1), smtp_server)  # the same day again sends nothing more
    assert _indicator_mail(session) == [(f"indicator_due={due.isoformat()};day=+1", "Nytt mätvärde behövs: Friskvård <för> alla")]
    assert [m["Subject"] for m in smtp_server.to("owner@example.org")] == ["Nytt mätvärde behövs: Friskvård <för> alla"]
    # The lägesbild's meaning of stale and the reminder agree: the day after `due` it is stale.
    assert [s.stale for s in indicator_statuses(session, measure.id, today=due + timedelta(days=1))] == [True]
    assert [s.stale for s in indicator_statuses(session, measure.id, today=due)] == [False]

    value_day = due + timedelta(days=3)
    add_measurement(session, users["owner"], indicator.id, {"value": 7.6, "date": value_day.isoformat()},
                    now=at(value_day, 12))
    sweep(database, at(value_day, days=10), smtp_server)  # the next value is due 30 days after this one
    assert len(_indicator_mail(session)) == 1
    next_due = value_day + timedelta(days=30)
    sweep(database, at(next_due, days=1), smtp_server)
    assert [o for o, _ in _indicator_mail(session)][-1] == f"indicator_due={next_due.isoformat()};day=+1"


def test_a_measure_without_indicators_or_not_running_gets_no_such_reminder(session, users, database, smtp_server):
    measure_in_state(session, users, "decided")
    proposed = measure_in_state(session, users, "proposed")
    add_indicator(session, users["steering"], proposed.id, INDICATOR, now=NOW)
    sweep(database, at(BASELINE, days=45), smtp_server)
    assert _indicator_mail(session) == []
