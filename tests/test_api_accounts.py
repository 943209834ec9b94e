"""What the notification settings page and the administration pages do, over the API: the calendar feed URL
(issue, renew, revoke) and managing users. Same services, so a change made one way shows the other."""
from __future__ import annotations

from urllib.parse import urlsplit

from tests.conftest import TEST_PASSWORD
from tests.web_support import sign_in


def test_a_calendar_feed_made_over_the_api_serves_then_stops_when_revoked(api, client, session, users):
    assert api.call("GET", "/calendar-feed", as_user="owner")[0] == 404
    status, made = api.call("POST", "/calendar-feed", as_user="owner")
    assert status == 201 and made["url"].endswith(".ics")
    feed = urlsplit(made["url"]).path
    served = client.get(feed)
    assert served.status_code == 200 and served.mimetype == "text/calendar"
    status, seen = api.call("GET", "/calendar-feed", as_user="owner")
    assert status == 200 and seen["expires"] == made["expires"]
    status, renewed = api.call("POST", "/calendar-feed/renew", as_user="owner")
    assert status == 200 and renewed["expires"] >= made["expires"]
    status, again = api.call("POST", "/calendar-feed", as_user="owner")
    assert client.get(feed).status_code == 404, "a new URL ends the earlier one"
    assert api.call("DELETE", "/calendar-feed", as_user="owner") == (200, {"revoked": 1})
    assert client.get(urlsplit(again["url"]).path).status_code == 404
    assert api.call("DELETE", "/calendar-feed", as_user="owner") == (200, {"revoked": 0})
    assert api.call("POST", "/calendar-feed/renew", as_user="owner")[0] == 404


def test_an_admin_manages_a_user_over_the_api_and_the_page_shows_it(api, make_web_app, session, users):
    status, bad = api.call("POST", "/admin/users", {"username": "X Y", "role": "kung", "password": "abc"},
                           as_user="admin")
    assert status == 422 and {"username", "role", "password"} <= set(bad["error"]["fields"])
    assert "Okänd roll ”kung”" in bad["error"]["fields"]["role"]
    status, made = api.call("POST", "/admin/users", {"username": "karin", "role": "owner", "display_name": "Karin Ek",
                                                     "email": "karin@example.org", "password": TEST_PASSWORD},
                            as_user="admin")
    assert status == 201 and (made["role"], made["active"], made["body"]) == ("owner", True, None)
    status, listed = api.call("GET", "/admin/users", as_user="admin")
    assert "karin" in [u["username"] for u in listed["items"]]
    page = sign_in(make_web_app(), session, users["admin"]).get("/admin/anvandare").get_data(as_text=True)
    assert "Karin Ek" in page

    karins = api.login("karin")
    status, off = api.call("PUT", f"/admin/users/{made['id']}/active", {"active": False}, as_user="admin")
    assert status == 200 and off["active"] is False
    assert api.call("GET", "/measures", token=karins)[0] == 401, "deactivation ends her API tokens"
    assert api.call("PUT", f"/admin/users/{made['id']}/active", {"active": True}, as_user="admin")[0] == 200
    status, reset = api.call("POST", f"/admin/users/{made['id']}/password", {}, as_user="admin")
    assert status == 200 and len(reset["password"]) >= 10
    status, weak = api.call("POST", f"/admin/users/{made['id']}/password", {"password": "karin"}, as_user="admin")
    assert status == 422 and "password" in weak["error"]["fields"]
    assert api.call("GET", "/admin/users", as_user="steering")[0] == 403


def test_the_last_active_admin_cannot_be_deactivated_or_lose_the_role_over_the_api(api, session, users):
    status, body = api.call("PUT", f"/admin/users/{users['admin'].id}/active", {"active": False}, as_user="admin")
    assert status == 422 and "minst en aktiv administratör" in body["error"]["message"]
    status, body = api.call("PUT", f"/admin/users/{users['admin'].id}/role", {"role": "steering"}, as_user="admin")
    assert status == 422 and "minst en aktiv administratör" in body["error"]["message"]


def test_a_new_role_changes_what_the_api_and_the_page_let_the_user_do(api, make_web_app, session, users):
    contributor = users["contributor"]
    assert api.call("POST", "/audits", {"name": "G", "number": "1/2025", "subject": "Ämne"},
                    as_user="contributor")[0] == 403
    status, body = api.call("PUT", f"/admin/users/{contributor.id}/role", {"role": "kung"}, as_user="admin")
    assert status == 422 and "Okänd roll ”kung”" in body["error"]["fields"]["role"]
    status, changed = api.call("PUT", f"/admin/users/{contributor.id}/role", {"role": "registrar"}, as_user="admin")
    assert status == 200 and changed["role"] == "registrar" and changed["role_label"] != "registrar"
    assert api.call("POST", "/audits", {"name": "G", "number": "1/2025", "subject": "Ämne"},
                    as_user="contributor")[0] == 201, "the same token, the new role's rights"
    admin = sign_in(make_web_app(), session, users["admin"])
    assert admin.post(f"/admin/anvandare/{contributor.id}/roll", data={"role": "contributor"}).status_code == 302
    session.rollback()
    assert api.call("POST", "/audits", {"name": "G", "number": "2/2025", "subject": "Ämne"},
                    as_user="contributor")[0] == 403
