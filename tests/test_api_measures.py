"""A measure's whole life over the JSON API, with the errors a client must be able to rely on."""
from __future__ import annotations

import logging

from kfflow.models import Measure
from kfflow.services.users import set_active

from tests.api_support import days_ahead
from tests.factories import SCORES, measure_in_state


def test_a_measure_lives_its_whole_life_over_the_api(api, users):
    st, m = api.call("POST", "/measures", {"title": "Fler e-besök", "category": "develop"}, as_user="contributor")
    assert st == 201 and m["state"] == "proposed" and m["proposer"]["username"] == "contributor"
    mid = m["id"]
    assert [t["trigger"] for t in m["transitions"]] == ["withdraw"]  # the proposer may only withdraw it
    assert m["transitions"][0]["required"] == [{"name": "reason", "type": "text", "label": "Motivering",
                                                "required": False}]

    st, m = api.call("GET", f"/measures/{mid}", as_user="council")
    offered = {t["trigger"]: t for t in m["transitions"]}
    assert set(offered) == {"prioritise"}
    category = next(f for f in offered["prioritise"]["required"] if f["name"] == "category")
    assert {"value": "retain", "label": "Behålla"} in category["options"]

    steps = [
        ("council", "prioritise", {"priority": 1, "category": "retain", "expected_effect": "Färre slutar.",
                                   "scores": SCORES}),
        ("steering", "decide", {"owner": "owner", "due_date": days_ahead(), "decision_ref": "RS § 81"}),
    ]
    for username, trigger, fields in steps:
        st, m = api.call("GET", f"/measures/{mid}", as_user=username)
        st, m = api.call("POST", f"/measures/{mid}/transitions",
                         {"trigger": trigger, "version": m["version"], **fields}, as_user=username)
        assert st == 200, m
    assert m["state"] == "decided" and m["owner"]["username"] == "owner" and m["due_date"] == days_ahead()

    st, report = api.call("POST", f"/measures/{mid}/progress",
                          {"version": m["version"], "done": "Upphandlat", "ongoing": "Pilot",
                           "planned": "Breddinförande"}, as_user="owner")
    assert st == 201 and report["author"]["username"] == "owner"
    assert report["measure_version"] == m["version"] + 1  # a report changes the measure
    st, err = api.call("POST", f"/measures/{mid}/progress", {"version": m["version"], "done": "Igen"},
                       as_user="owner")
    assert st == 409 and err["error"]["code"] == "stale"  # the caller had not seen the first report
    st, m = api.call("PATCH", f"/measures/{mid}", {"version": report["measure_version"], "indicator": "Antal e-besök"},
                     as_user="owner")
    assert st == 200 and m["indicator"] == "Antal e-besök"
    for username, trigger, fields in [("owner", "implement", {"implementation_note": "Klart."}),
                                      ("steering", "evaluate", {"evaluation": "Bra.", "effect": "achieved"})]:
        st, m = api.call("POST", f"/measures/{mid}/transitions",
                         {"trigger": trigger, "version": m["version"], **fields}, as_user=username)
        assert st == 200, m
    assert m["state"] == "evaluated" and m["progress_reports"][0]["done"] == "Upphandlat"

    st, history = api.call("GET", f"/measures/{mid}/history", as_user="contributor")
    assert st == 200
    assert [(h["trigger"], h["from"], h["to"], h["actor"]["username"]) for h in history["items"]] == [
        ("propose", None, "proposed", "contributor"), ("prioritise", "proposed", "prioritised", "council"),
        ("decide", "prioritised", "decided", "steering"), ("report_progress", "decided", "decided", "owner"),
        ("edit", "decided", "decided", "owner"), ("implement", "decided", "implemented", "owner"),
        ("evaluate", "implemented", "evaluated", "steering")]
    assert history["items"][2]["fields"]["owner"] == "owner"


def test_stale_version_is_a_conflict_and_changes_nothing(api, session, users):
    m = measure_in_state(session, users, "prioritised")
    body = {"trigger": "decide", "version": m.version - 1, "owner": "owner", "due_date": days_ahead(),
            "decision_ref": "RS § 1"}
    st, err = api.call("POST", f"/measures/{m.id}/transitions", body, as_user="steering")
    assert st == 409 and err["error"]["code"] == "stale"
    st, err = api.call("PATCH", f"/measures/{m.id}", {"version": m.version - 1, "title": "Ny"}, as_user="steering")
    assert st == 409
    session.expire_all()
    assert session.get(Measure, m.id).state == "prioritised" and session.get(Measure, m.id).title != "Ny"


def test_invalid_fields_are_422_with_a_swedish_message_per_field(api, session, users):
    m = measure_in_state(session, users, "prioritised")
    st, err = api.call("POST", f"/measures/{m.id}/transitions",
                       {"trigger": "decide", "version": m.version, "owner": "nobody", "due_date": "31/3"},
                       as_user="steering")
    assert st == 422
    fields = err["error"]["fields"]
    assert set(fields) == {"owner", "due_date", "decision_ref"}
    assert "nobody" in fields["owner"] and "ÅÅÅÅ-MM-DD" in fields["due_date"]
    # What the database could not hold is refused as input, on PostgreSQL as on SQLite.
    st, err = api.call("POST", f"/measures/{m.id}/transitions",
                       {"trigger": "decide", "version": m.version, "owner": "9" * 30, "due_date": days_ahead(),
                        "decision_ref": "§" * 201}, as_user="steering")
    assert st == 422 and set(err["error"]["fields"]) == {"owner", "decision_ref"}
    st, err = api.call("POST", "/measures", {"title": 5, "colour": "blå"}, as_user="contributor")
    assert st == 422 and set(err["error"]["fields"]) == {"title", "colour"}
    st, err = api.call("POST", "/measures", {"title": "x", "category": "ingen"}, as_user="contributor")
    assert st == 422 and "Behålla" in err["error"]["fields"]["category"]
    st, err = api.call("GET", "/measures?limit=0&sort=colour", as_user="contributor")
    assert st == 422 and set(err["error"]["fields"]) == {"limit", "sort"}


def test_malformed_json_and_unknown_urls_answer_in_json(api, client, users):
    token = api.token("contributor")
    r = client.post("/api/v1/measures", data="{not json", headers={"Authorization": f"Bearer {token}"},
                    content_type="application/json")
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "bad_request"
    r = client.post("/api/v1/measures", json=["a list"], headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 400
    r = client.get("/api/v1/no-such-thing")
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "not_found"
    r = client.put("/api/v1/measures")
    assert r.status_code == 405 and r.is_json and "GET" in r.headers["Allow"]
    assert not client.get("/no-such-page").is_json  # outside /api/v1 the pages answer as before
    r = client.post("/api/v1/measures", json={"title": "a\x00b"}, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 422 and "title" in r.get_json()["error"]["fields"]


def test_without_a_valid_token_the_answer_is_401_with_a_bearer_challenge(api, client, session, users):
    r = client.get("/api/v1/measures")
    assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Bearer")
    r = client.get("/api/v1/measures", headers={"Authorization": "Bearer not-a-token"})
    assert r.status_code == 401 and 'error="invalid_token"' in r.headers["WWW-Authenticate"]
    token = api.login("owner")
    assert api.call("GET", "/measures", token=token)[0] == 200
    set_active(session, users["admin"], users["owner"].id, False)
    assert api.call("GET", "/measures", token=token)[0] == 401


def test_a_revoked_token_stops_working(api, users):
    token = api.token("council")
    assert api.call("DELETE", "/tokens/current", token=token)[0] == 204
    assert api.call("GET", "/measures", token=token)[0] == 401
    assert api.call("DELETE", "/tokens/current", token=token)[0] == 401


def test_tokens_are_stored_only_as_hashes_and_expire(api, session, users):
    from datetime import timedelta

    from sqlalchemy import select

    from kfflow.db import utcnow
    from kfflow.models import ApiToken
    from kfflow.services.tokens import user_for_api_token

    st, issued = api.call("POST", "/tokens", {"username": "steering", "password": "test-password-123"})
    assert st == 201
    hashes = session.scalars(select(ApiToken.token_hash)).all()
    assert issued["token"] not in hashes and len(hashes) == 1 and len(hashes[0]) == 64
    assert user_for_api_token(session, issued["token"]).username == "steering"
    assert user_for_api_token(session, issued["token"], now=utcnow() + timedelta(hours=13)) is None


def test_failed_token_requests_are_throttled_and_logged(api, users, caplog):
    caplog.set_level(logging.WARNING, logger="kfflow.services.throttle")
    for _ in range(5):
        st, err = api.call("POST", "/tokens", {"username": "steering", "password": "wrong-password"})
        assert st == 401 and err["error"]["code"] == "unauthorized"
    r = api.client.post("/api/v1/tokens", json={"username": "steering", "password": "test-password-123"})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    assert any("failed" in rec.getMessage() and "'steering'" in rec.getMessage() for rec in caplog.records)
    assert any("throttled" in rec.getMessage() for rec in caplog.records)
    # Another username is not affected.
    assert api.call("POST", "/tokens", {"username": "council", "password": "test-password-123"})[0] == 201


def test_list_filters_sorts_and_pages(api, session, users):
    a = measure_in_state(session, users, "decided", title="Förmånsportal, införande")
    b = measure_in_state(session, users, "proposed", title="Karriärmodeller")
    c = measure_in_state(session, users, "decided", title="Fler e-besök", owner=users["other_owner"])
    def ids(query):
        st, page = api.call("GET", "/measures" + query, as_user="contributor")
        assert st == 200, page
        return [m["id"] for m in page["items"]], page["total"]
    assert ids("") == ([a.id, b.id, c.id], 3)
    assert ids("?state=decided") == ([a.id, c.id], 2)
    assert ids("?state=decided&state=proposed&sort=-id") == ([c.id, b.id, a.id], 3)
    assert ids("?owner=other_owner") == ([c.id], 1)
    assert ids("?q=KARRIÄR") == ([b.id], 1)
    assert ids("?q=50%25") == ([], 0)
    assert ids("?category=recruit&limit=1&offset=1") == ([c.id], 2)
    assert ids("?overdue=true") == ([a.id, c.id], 2)  # due on the fixed test date, long before today
    assert ids("?sort=title")[0] == [c.id, a.id, b.id]
    assert ids("?sort=due_date")[0] == [a.id, c.id, b.id]  # b has no due date: last, on both databases
    assert ids("?sort=-due_date")[0] == [a.id, c.id, b.id]
