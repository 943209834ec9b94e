"""One clock: at 23:30 UTC it is already tomorrow in Stockholm, and the API, the pages and the
services all say so (a measure due "yesterday" is late everywhere)."""
from __future__ import annotations

from datetime import date, datetime, timezone

import time_machine

from kfflow.clock import local_today
from kfflow.services.cases import fire
from kfflow.services.measures import add_progress_report, propose_measure
from tests.factories import SCORES
from tests.conftest import NOW
from tests.web_support import sign_in

# 00:30 on 3 March in Stockholm, still 2 March in UTC.
JUST_AFTER_MIDNIGHT = datetime(2026, 3, 2, 23, 30, tzinfo=timezone.utc)


def _due_on_2_march(session, users):
    m = propose_measure(session, users["contributor"], {"title": "Förmånsportal, införande"}, now=NOW)
    fire(session, users["steering"], m, "prioritise", {"priority": 1, "category": "retain",
                                                       "expected_effect": "Fler stannar.", "scores": SCORES}, now=NOW)
    fire(session, users["steering"], m, "decide", {"owner": users["owner"].username, "due_date": "2026-03-02",
                                                   "decision_ref": "RS § 81"}, now=NOW)
    return m


def test_local_today_is_stockholms_date():
    assert local_today(JUST_AFTER_MIDNIGHT) == date(2026, 3, 3)
    assert local_today(datetime(2026, 7, 1, 21, 59, tzinfo=timezone.utc)) == date(2026, 7, 1)  # summer time
    assert local_today(datetime(2026, 7, 1, 22, 0, tzinfo=timezone.utc)) == date(2026, 7, 2)


def test_api_and_pages_agree_on_late_just_after_midnight(make_web_app, api, session, users):
    measure = _due_on_2_march(session, users)
    app = make_web_app()
    with time_machine.travel(JUST_AFTER_MIDNIGHT, tick=False):
        assert local_today() == date(2026, 3, 3)
        status, page = api.call("GET", "/measures?overdue=true", as_user="steering")
        assert status == 200 and [m["id"] for m in page["items"]] == [measure.id]
        client = sign_in(app, session, users["steering"])
        html = client.get("/atgarder?forsenad=1").get_data(as_text=True)
        assert "Förmånsportal, införande" in html and "(försenad)" in html
        # A progress report made now is dated by the same clock.
        report = add_progress_report(session, users["owner"], measure.id, done="Upphandlat.", ongoing=None,
                                     planned=None)
        assert report.reported_on == date(2026, 3, 3)
    with time_machine.travel(datetime(2026, 3, 2, 22, 30, tzinfo=timezone.utc), tick=False):  # 23:30 local
        status, page = api.call("GET", "/measures?overdue=true", as_user="steering")
        assert page["items"] == []
        html = sign_in(app, session, users["steering"]).get("/atgarder?forsenad=1").get_data(as_text=True)
        assert "(försenad)" not in html
