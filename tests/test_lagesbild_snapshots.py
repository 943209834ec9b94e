"""Frozen lägesbilder: "Frys lägesbild" on the page and over the API (the action freeze_lagesbild in measure.yaml),
one per steering meeting by the sweep (exactly once), numbers as frozen, and the trend from the one before."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

from sqlalchemy import func, select

from kfflow.models import LagesbildSnapshot
from kfflow.services.lagesbild import lagesbild
from kfflow.services.lagesbild_snapshots import freeze_lagesbild, read_snapshot

from tests.conftest import NOW
from tests.factories import measure_in_state
from tests.reminders_support import at, rules, sweep
from tests.web_support import sign_in


def test_freezing_over_the_api_keeps_the_numbers_and_shows_the_trend(api, session, users):
    measure_in_state(session, users, "decided")
    st, body = api.call("POST", "/lagesbild/snapshots", {}, as_user="contributor")
    assert st == 403 and body["error"]["message"] == "Din roll får inte frysa lägesbilden."
    st, first = api.call("POST", "/lagesbild/snapshots", {}, as_user="steering")
    assert st == 201 and first["frozen_by"]["username"] == "steering" and first["trend"] is None
    assert first["lagesbild"]["counts"] == {"decided": 1} and first["meeting_date"] is None
    measure_in_state(session, users, "proposed", title="Ny")
    measure_in_state(session, users, "proposed", title="Ny igen")
    st, again = api.call("GET", f"/lagesbild/snapshots/{first['id']}", as_user="contributor")
    assert st == 200 and again["lagesbild"] == first["lagesbild"]  # frozen: later measures do not count
    st, second = api.call("POST", "/lagesbild/snapshots", {"working_group": None}, as_user="registrar")
    assert second["trend"]["previous_id"] == first["id"] and second["trend"]["counts"] == {"decided": 0, "proposed": 2}
    st, listed = api.call("GET", "/lagesbild/snapshots", as_user="contributor")
    assert [s["id"] for s in listed["items"]] == [second["id"], first["id"]]
    st, bad = api.call("POST", "/lagesbild/snapshots", {"working_group": "Ingen sådan"}, as_user="steering")
    assert st == 422 and bad["error"]["fields"] == {"working_group": "Det finns ingen arbetsgrupp ”Ingen sådan”."}
    assert api.call("GET", "/lagesbild/snapshots/999999", as_user="steering")[0] == 404


def test_a_snapshot_is_the_api_answer_of_its_day(session, users):
    measure_in_state(session, users, "decided")
    snapshot = freeze_lagesbild(session, users["steering"], now=NOW)
    frozen = read_snapshot(session, snapshot.id)
    assert frozen.view == lagesbild(session, as_of=NOW.date())
    assert frozen.view.as_data() == snapshot.data


def test_freezing_on_the_page(make_web_app, session, users):
    measure_in_state(session, users, "decided")
    contributor = sign_in(make_web_app(), session, users["contributor"])
    contributor.get("/lagesbild")
    assert contributor.post("/lagesbild/frys", data={}).status_code == 403
    steering = sign_in(make_web_app(), session, users["steering"])
    assert "Frys lägesbild</button>" in steering.get("/lagesbild").get_data(as_text=True)
    answer = steering.post("/lagesbild/frys", data={"working_group": ""})
    assert answer.status_code == 303 and answer.headers["Location"].startswith("/lagesbild/frysta/")
    html = steering.get(answer.headers["Location"]).get_data(as_text=True)
    assert 'id="count-decided">1<' in html and "Frusen av" in html and "Frys lägesbild</button>" not in html
    steering.post("/lagesbild/frys", data={"working_group": ""})
    live = steering.get("/lagesbild").get_data(as_text=True)
    assert 'id="trend-count-decided">±0<' in live  # compared with the latest frozen one
    listing = steering.get("/lagesbild/frysta").get_data(as_text=True)
    assert listing.count('href="/lagesbild/frysta/') == 2
    assert steering.get("/lagesbild/frysta/999999").status_code == 404


def test_the_sweep_freezes_each_steering_meeting_exactly_once(database, session, users):
    measure_in_state(session, users, "decided")
    meeting = date(2026, 3, 4)
    reminder_rules = replace(rules(), steering_meetings=(date(2026, 1, 14), meeting))

    def frozen() -> list[tuple]:
        session.rollback()
        return session.execute(select(LagesbildSnapshot.meeting_date, LagesbildSnapshot.as_of)).all()

    assert sweep(database, at(meeting, days=-1), reminder_rules=reminder_rules).frozen == 0  # not yet
    assert frozen() == []
    assert sweep(database, at(meeting, 18), reminder_rules=reminder_rules).frozen == 1
    assert sweep(database, at(meeting, 19), reminder_rules=reminder_rules).frozen == 0   # a second sweep
    assert sweep(database, at(meeting, days=3), reminder_rules=reminder_rules).frozen == 0  # another node, later
    assert frozen() == [(meeting, meeting)]
    assert session.scalar(select(func.count()).select_from(LagesbildSnapshot)) == 1
    snapshot = session.scalars(select(LagesbildSnapshot)).one()
    assert snapshot.data["since_last_meeting"]["meeting_date"] == "2026-01-14" and snapshot.frozen_by_id is None
    assert sweep(database, at(meeting, days=1), dry_run=True,
                 reminder_rules=reminder_rules).frozen == 0


def test_a_meeting_long_past_is_not_frozen_with_todays_numbers(database, session, users):
    reminder_rules = replace(rules(), steering_meetings=(date(2026, 1, 14),))
    assert sweep(database, at(date(2026, 1, 14), days=8), reminder_rules=reminder_rules).frozen == 0  # grace_days 7
    assert sweep(database, at(date(2026, 1, 14), days=7), reminder_rules=reminder_rules).frozen == 1


def test_the_demo_shows_every_status_and_a_frozen_lagesbild_with_its_trend(session):
    from kfflow.services.demo import load_demo
    from kfflow.services.lagesbild_snapshots import list_snapshots, previous_snapshot, trend

    assert load_demo(session)
    view = lagesbild(session)
    assert all(view.status[s] > 0 for s in ("on_track", "at_risk", "late")), view.status
    assert [s.meeting_date for s in list_snapshots(session)] == [None]
    change = trend(view, previous_snapshot(session, None))
    # Measures were added after the freeze: the trend shows them (how many depends on the demo's other parts).
    assert change.counts["decided"] >= 1 and change.counts["proposed"] >= 1 and change.status["late"] >= 1


def test_two_nodes_freezing_the_same_meeting_at_once_freeze_it_once(database, session, users):
    """Node A has frozen the meeting but not committed when node B sweeps: B's check cannot see A's row, so B's
    INSERT … ON CONFLICT DO NOTHING (PostgreSQL: waits on A's unique key; SQLite: on the write lock) is what
    keeps it to one."""
    import threading
    import time

    from kfflow.db import write_transaction
    from kfflow.services.lagesbild_snapshots import freeze_at_meetings

    measure_in_state(session, users, "decided")
    session.rollback()
    meeting, now = date(2026, 3, 4), at(date(2026, 3, 4), 18)
    froze: dict[str, int] = {}

    def node_b():
        with database.session() as b, write_transaction(b):
            froze["b"] = freeze_at_meetings(b, (meeting,), now)

    with database.session() as a:
        with write_transaction(a):
            froze["a"] = freeze_at_meetings(a, (meeting,), now)
            other = threading.Thread(target=node_b)
            other.start()
            time.sleep(0.5)  # let B reach its INSERT (or the write lock) while A's row is uncommitted
        other.join(60)
    assert froze == {"a": 1, "b": 0}
    assert session.scalar(select(func.count()).select_from(LagesbildSnapshot)) == 1
