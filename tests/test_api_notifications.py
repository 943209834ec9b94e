"""A user's notifications and preferences over the API: their own only, as on the notification pages."""
from __future__ import annotations

from kfflow.models.notification import Notification

from tests.conftest import NOW
from tests.factories import measure_in_state


def test_notifications_are_read_and_marked_by_their_owner_only(api, session, users):
    measure = measure_in_state(session, users, "decided")
    for user, day in [(users["owner"], 1), (users["owner"], 2), (users["steering"], 1)]:
        session.add(Notification(user_id=user.id, rule="due_soon", case_kind="measure", case_id=measure.id,
                                 occurrence=f"due_soon:{day}", occurs_on=NOW.date(), message=f"Påminnelse {day}",
                                 created_at=NOW))
    session.commit()
    st, page = api.call("GET", "/notifications", as_user="owner")
    assert st == 200 and [n["message"] for n in page["items"]] == ["Påminnelse 2", "Påminnelse 1"]
    assert page["items"][0]["case"] == f"/measures/{measure.id}" and page["items"][0]["read_at"] is None
    steering_note = api.call("GET", "/notifications", as_user="steering")[1]["items"][0]["id"]

    st, marked = api.call("POST", "/notifications/read", {"ids": [page["items"][1]["id"], steering_note]},
                          as_user="owner")
    assert st == 200 and marked == {"marked": 1}  # the other user's is never touched
    st, unread = api.call("GET", "/notifications?unread=true", as_user="owner")
    assert [n["message"] for n in unread["items"]] == ["Påminnelse 2"]
    assert api.call("POST", "/notifications/read", {}, as_user="owner")[1] == {"marked": 1}
    assert api.call("GET", "/notifications?unread=true", as_user="steering")[1]["items"][0]["id"] == steering_note


def test_preferences_over_the_api(api, users):
    assert api.call("GET", "/notifications/preferences", as_user="owner")[1] == {"mail_enabled": True,
                                                                                 "delivery": "immediate"}
    st, prefs = api.call("PUT", "/notifications/preferences", {"mail_enabled": False, "delivery": "weekly"},
                         as_user="owner")
    assert st == 200 and prefs == {"mail_enabled": False, "delivery": "weekly"}
    st, err = api.call("PUT", "/notifications/preferences", {"mail_enabled": True, "delivery": "monthly"},
                       as_user="owner")
    assert st == 422 and "delivery" in err["error"]["fields"]
    assert api.call("GET", "/notifications/preferences", as_user="steering")[1]["delivery"] == "immediate"
