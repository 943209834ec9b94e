"""Per-user preferences (mail off, daily and weekly digests), the in-app list, and the calendar feed."""
from __future__ import annotations

from datetime import timedelta

import pytest
from icalendar import Calendar

from kfflow.errors import PermissionDenied, ValidationError
from kfflow.services.calendar import calendar_for_token, issue_calendar_token, revoke_calendar_token
from kfflow.services.notifications import (get_preferences, list_notifications, mark_notifications_read,
                                           set_preferences)

from tests.conftest import future
from tests.factories import measure_in_state
from tests.reminders_support import at, sweep


def test_a_daily_digest_user_gets_one_mail_listing_everything_due(session, users, database, smtp_server):
    set_preferences(session, users["owner"], mail_enabled=True, delivery="daily")
    for title in ("Förmånsportal", "Karriärmodeller", "Fler e-besök"):
        measure_in_state(session, users, "decided", title=title)
    due = future()
    sweep(database, at(due, 8, days=-3), smtp_server)
    sweep(database, at(due, 12, days=-3), smtp_server)
    assert smtp_server.messages == []  # waiting for tomorrow's digest at 07:00
    sweep(database, at(due, 7, 0, days=-2), smtp_server)
    sweep(database, at(due, 7, 30, days=-2), smtp_server)
    mails = smtp_server.to("owner@example.org")
    assert len(mails) == 1
    assert mails[0]["Subject"] == "kfflow: Dagens sammanställning, 3 påminnelser"
    plain = mails[0].get_body(("plain",)).get_content()
    assert all(t in plain for t in ("Förmånsportal", "Karriärmodeller", "Fler e-besök"))


def test_a_weekly_digest_waits_for_the_configured_weekday(session, users, database, smtp_server):
    set_preferences(session, users["owner"], mail_enabled=True, delivery="weekly")
    measure_in_state(session, users, "decided")
    due = future()
    start = at(due, days=-3)
    sweep(database, start, smtp_server)
    monday = start.date() + timedelta(days=(7 - start.weekday()) % 7 or 7)
    sweep(database, at(monday, 6, 59), smtp_server)
    assert smtp_server.messages == []
    sweep(database, at(monday, 7, 0), smtp_server)
    assert [m["Subject"] for m in smtp_server.to("owner@example.org")] == [
        "kfflow: Veckans sammanställning, 1 påminnelser"]


def test_mail_off_means_only_the_in_app_notification(session, users, database, smtp_server):
    set_preferences(session, users["owner"], mail_enabled=False, delivery="immediate")
    m = measure_in_state(session, users, "decided")
    sweep(database, at(future(), days=-3), smtp_server)
    assert smtp_server.messages == []
    notes = list_notifications(session, users["owner"])
    assert len(notes) == 1 and notes[0].case_id == m.id and "Påminnelse" in notes[0].message
    assert list_notifications(session, users["other_owner"]) == []
    assert mark_notifications_read(session, users["other_owner"]) == 0
    assert mark_notifications_read(session, users["owner"]) == 1
    assert list_notifications(session, users["owner"], unread_only=True) == []


def test_preferences_are_validated_and_only_ones_own(session, users):
    assert get_preferences(session, users["owner"]).delivery == "immediate"
    with pytest.raises(ValidationError) as err:
        set_preferences(session, users["owner"], mail_enabled=True, delivery="hourly")
    assert "delivery" in err.value.fields
    with pytest.raises(PermissionDenied):
        set_preferences(session, users["owner"], mail_enabled=False, delivery="daily", user_id=users["steering"].id)
    set_preferences(session, users["admin"], mail_enabled=False, delivery="weekly", user_id=users["owner"].id)
    prefs = get_preferences(session, users["owner"])
    assert (prefs.mail_enabled, prefs.delivery, prefs.delivery_label) == (False, "weekly", "Veckosammanställning")


def test_calendar_feed_lists_own_due_dates_and_a_revoked_token_is_404(session, users, client):
    mine = measure_in_state(session, users, "decided", title="Förmånsportal")
    measure_in_state(session, users, "decided", title="Någon annans", owner=users["other_owner"])
    measure_in_state(session, users, "implemented", title="Redan klar")
    token = issue_calendar_token(session, users["owner"])
    response = client.get(f"/kalender/{token}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    events = Calendar.from_ical(response.data).walk("VEVENT")
    assert [(str(e["summary"]), e.decoded("dtstart")) for e in events] == [("Slutdatum: Förmånsportal", future())]
    assert str(events[0]["uid"]) == f"measure-{mine.id}@kfflow"
    assert revoke_calendar_token(session, users["owner"]) == 1
    assert client.get(f"/kalender/{token}.ics").status_code == 404
    assert client.get("/kalender/okand-token.ics").status_code == 404


def test_a_new_calendar_token_replaces_the_old_one(session, users):
    old = issue_calendar_token(session, users["owner"])
    new = issue_calendar_token(session, users["owner"])
    assert old != new and calendar_for_token(session, new).startswith(b"BEGIN:VCALENDAR")
    with pytest.raises(Exception) as err:
        calendar_for_token(session, old)
    assert err.typename == "NotFound"
