"""Eight writers on one measure: exactly one wins, the rest get StaleCase, history holds one entry."""
from __future__ import annotations

import threading

from sqlalchemy import func, select

from kfflow.errors import StaleCase
from kfflow.models import HistoryEntry, Measure
from kfflow.services.cases import fire
from kfflow.services.measures import propose_measure

from tests.factories import SCORES
from tests.conftest import NOW

WRITERS = 8


def test_eight_writers_one_winner(database, users):
    with database.session() as s:
        measure = propose_measure(s, users["contributor"], {"title": "Förmånsportal, införande"}, now=NOW)
        version = measure.version
    barrier = threading.Barrier(WRITERS)
    outcomes: list[object] = []
    lock = threading.Lock()

    def writer(i: int):
        with database.session() as s:
            barrier.wait()
            try:
                fire(s, users["steering"], ("measure", measure.id), "prioritise",
                     {"priority": 1 + i % 5, "category": "retain", "expected_effect": f"Skrivare {i}",
                      "scores": SCORES},
                     version, now=NOW)
                result: object = "ok"
            except Exception as exc:  # noqa: BLE001 - the test sorts every outcome below
                result = exc
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(outcomes) == WRITERS
    assert outcomes.count("ok") == 1, outcomes
    losers = [o for o in outcomes if o != "ok"]
    assert all(isinstance(o, StaleCase) for o in losers), losers
    with database.session() as s:
        assert s.get(Measure, measure.id).state == "prioritised"
        assert s.get(Measure, measure.id).version == version + 1
        fired = s.scalar(select(func.count(HistoryEntry.id)).where(
            HistoryEntry.case_id == measure.id, HistoryEntry.trigger == "prioritise"))
        assert fired == 1
