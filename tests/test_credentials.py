"""Passwords and every way in: the password policy, changing one's password, an admin's one-time password,
"sign out everywhere", (de)activation that ends every session, API token and calendar feed, expiring
and renewable calendar feeds, and the last active admin."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from kfflow.errors import GuardFailed, NotFound, PermissionDenied
from kfflow.security import password_policy_error
from kfflow.services.auth_sessions import signed_in, start_session
from kfflow.services.calendar import calendar_for_token, issue_calendar_token, renew_calendar_token
from kfflow.services.credentials import reset_password
from kfflow.services.tokens import grant_token, user_for_api_token as api_user_for_token
from kfflow.services.users import authenticate, set_active
from tests.conftest import NOW, TEST_PASSWORD
from tests.web_support import cheapest_password_hash, sign_in

password_hash = cheapest_password_hash
NEW_PASSWORD = "grön-kaffe-tåg-Kalmar"


def _credentials(session, user):
    """A live web session, API token and calendar feed of `user`."""
    return (start_session(session, user), grant_token(session, user).token, issue_calendar_token(session, user))


def _alive(session, user, credentials) -> tuple[bool, bool, bool]:
    web, api, feed = credentials
    session.rollback()
    try:
        calendar_for_token(session, feed)
        feed_works = True
    except NotFound:
        feed_works = False
    return signed_in(session, web) is not None, api_user_for_token(session, api) is not None, feed_works


@pytest.mark.parametrize("password", [
    "kort", "password1234", "qwertyuiop123", "Sommar2026!", "Valkommen123", "Losenord2026", "1234567890",
    "aaaaaaaaaaaa", "anna.svensson1", "Kfflow-2026", "x" * 1001])
def test_the_policy_refuses_short_common_and_guessable_passwords(password):
    assert password_policy_error(password, user_inputs=("anna.svensson", "Anna Svensson")) is not None


@pytest.mark.parametrize("password", [NEW_PASSWORD, "ett-langt-losenord", TEST_PASSWORD, "Ringmuren blåser 7 gånger"])
def test_the_policy_accepts_long_unusual_passwords(password):
    assert password_policy_error(password, user_inputs=("anna.svensson",)) is None


def test_changing_ones_password_needs_the_current_one_and_ends_every_other_way_in(make_web_app, session, users):
    app = make_web_app()
    here = sign_in(app, session, users["owner"])
    elsewhere = sign_in(app, session, users["owner"])
    token = grant_token(session, users["owner"]).token
    assert "Byt lösenord" in here.get("/konto").get_data(as_text=True)

    wrong = here.post("/konto", data={"current_password": "fel-lösenord", "new_password": NEW_PASSWORD,
                                      "repeat_password": NEW_PASSWORD})
    assert wrong.status_code == 422 and "Det nuvarande lösenordet är fel." in wrong.get_data(as_text=True)
    common = here.post("/konto", data={"current_password": TEST_PASSWORD, "new_password": "Sommar2026!",
                                       "repeat_password": "Sommar2026!"})
    assert common.status_code == 422 and "för lätt att gissa" in common.get_data(as_text=True)
    assert authenticate(session, "owner", TEST_PASSWORD) is not None, "nothing written on a refusal"

    done = here.post("/konto", data={"current_password": TEST_PASSWORD, "new_password": NEW_PASSWORD,
                                     "repeat_password": NEW_PASSWORD})
    assert done.status_code == 302
    assert here.get("/").status_code == 200, "the session in use stays"
    assert elsewhere.get("/").status_code == 302, "every other session ends"
    session.rollback()
    assert api_user_for_token(session, token) is None, "every API token ends"
    assert authenticate(session, "owner", NEW_PASSWORD) is not None
    assert authenticate(session, "owner", TEST_PASSWORD) is None


def test_an_admins_one_time_password_must_be_replaced_and_ends_everything(make_web_app, session, users, client):
    app = make_web_app()
    before = _credentials(session, users["owner"])
    admin = sign_in(app, session, users["admin"])
    common = admin.post(f"/admin/anvandare/{users['owner'].id}/losenord", data={"password": "password1234"})
    assert common.status_code == 422 and "för lätt att gissa" in common.get_data(as_text=True)
    page = admin.post(f"/admin/anvandare/{users['owner'].id}/losenord", data={"password": ""})
    assert page.status_code == 200
    one_time = re.search(r'id="one-time-password" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    assert _alive(session, users["owner"], before) == (False, False, False)

    owner = app.test_client()
    assert owner.post("/logga-in", data={"username": "owner", "password": one_time}).status_code == 302
    forced = owner.get("/atgarder")
    assert forced.status_code == 302 and forced.headers["Location"] == "/konto"
    refused = client.post("/api/v1/tokens", json={"username": "owner", "password": one_time})
    assert refused.status_code == 403, "no API token on a one-time password"
    assert owner.post("/konto", data={"current_password": one_time, "new_password": NEW_PASSWORD,
                                      "repeat_password": NEW_PASSWORD}).status_code == 302
    assert owner.get("/atgarder").status_code == 200
    assert client.post("/api/v1/tokens", json={"username": "owner", "password": NEW_PASSWORD}).status_code == 201


def test_deactivation_and_reactivation_end_every_session_token_and_feed(session, users):
    before = _credentials(session, users["owner"])
    set_active(session, users["admin"], users["owner"].id, False)
    assert _alive(session, users["owner"], before) == (False, False, False)
    set_active(session, users["admin"], users["owner"].id, True)
    assert _alive(session, users["owner"], before) == (False, False, False), "reactivation brings nothing back"
    # Credentials made before this change were only hidden by the active flag: reactivation ends them too.
    legacy = _credentials(session, users["steering"])
    session.rollback()
    session.get(type(users["steering"]), users["steering"].id).active = False
    session.commit()
    set_active(session, users["admin"], users["steering"].id, True)
    assert _alive(session, users["steering"], legacy) == (False, False, False)
    assert _alive(session, users["owner"], _credentials(session, users["owner"])) == (True, True, True)


def test_sign_out_everywhere_ends_every_session_and_api_token(make_web_app, session, users, api):
    app = make_web_app()
    here, there = sign_in(app, session, users["owner"]), sign_in(app, session, users["owner"])
    token = grant_token(session, users["owner"]).token
    feed = issue_calendar_token(session, users["owner"])
    response = here.post("/konto/logga-ut-overallt")
    assert response.status_code == 302 and response.headers["Location"] == "/logga-in"
    assert here.get("/").status_code == 302 and there.get("/").status_code == 302
    session.rollback()
    assert api_user_for_token(session, token) is None
    assert calendar_for_token(session, feed).startswith(b"BEGIN:VCALENDAR"), "the feed has its own button"
    # The same over the API.
    again = grant_token(session, users["steering"]).token
    web = sign_in(app, session, users["steering"])
    assert api.client.delete("/api/v1/tokens", headers={"Authorization": f"Bearer {again}"}).status_code == 204
    assert web.get("/").status_code == 302
    session.rollback()
    assert api_user_for_token(session, again) is None


def test_changing_the_password_over_the_api(session, users, api):
    token = grant_token(session, users["owner"]).token
    headers = {"Authorization": f"Bearer {token}"}
    weak = api.client.put("/api/v1/account/password", headers=headers,
                          json={"current_password": TEST_PASSWORD, "new_password": "qwertyuiop123"})
    assert weak.status_code == 422 and "new_password" in weak.get_json()["error"]["fields"]
    assert api.client.put("/api/v1/account/password", headers=headers,
                          json={"current_password": TEST_PASSWORD, "new_password": NEW_PASSWORD}).status_code == 204
    session.rollback()
    assert api_user_for_token(session, token) is None
    assert authenticate(session, "owner", NEW_PASSWORD) is not None


def test_the_last_active_admin_cannot_be_deactivated(make_web_app, session, users, make_user):
    admin = users["admin"]
    with pytest.raises(GuardFailed):
        set_active(session, admin, admin.id, False)
    page = sign_in(make_web_app(), session, admin).post(f"/admin/anvandare/{admin.id}/aktiv", data={"active": "0"})
    assert page.status_code == 422 and "minst en aktiv administratör" in page.get_data(as_text=True)
    second = make_user("admin2", "admin")
    set_active(session, admin, second.id, False)       # another admin can go while one remains …
    set_active(session, admin, second.id, True)
    set_active(session, second, admin.id, False)       # … and the first too, now that there is a second
    with pytest.raises(GuardFailed):
        set_active(session, second, second.id, False)
    assert session.get(type(second), second.id).active


def test_a_calendar_feed_expires_and_renewing_keeps_its_url(make_web_app, session, users):
    token = issue_calendar_token(session, users["owner"], now=NOW, lifetime=timedelta(days=365))
    assert calendar_for_token(session, token, now=NOW + timedelta(days=364))
    with pytest.raises(NotFound):
        calendar_for_token(session, token, now=NOW + timedelta(days=366))
    renewed = renew_calendar_token(session, users["owner"], now=NOW + timedelta(days=400), lifetime=timedelta(days=30))
    assert renewed == NOW + timedelta(days=430)
    assert calendar_for_token(session, token, now=NOW + timedelta(days=401))
    # On the page: renewing shows the new end date; the link stays the same.
    owner = sign_in(make_web_app(), session, users["owner"])
    assert "Förnya kalenderlänken" in owner.get("/installningar/aviseringar").get_data(as_text=True)
    response = owner.post("/installningar/aviseringar/kalender/fornya", follow_redirects=True)
    assert response.status_code == 200 and "Kalenderlänken är förnyad och gäller till" in response.get_data(as_text=True)
    session.rollback()
    assert calendar_for_token(session, token).startswith(b"BEGIN:VCALENDAR")



def test_two_admins_deactivating_each_other_at_once_leave_one(database, session, users, make_user):
    """Real concurrent transactions, each in its own session: exactly one of the two succeeds."""
    import threading

    second = make_user("admin2", "admin")
    pairs = [(users["admin"].id, second.id), (second.id, users["admin"].id)]
    outcomes, start = [], threading.Barrier(2)

    def deactivate(actor_id, target_id):
        with database.session() as own:
            actor = own.get(type(second), actor_id)
            start.wait()
            try:
                set_active(own, actor, target_id, False)
                outcomes.append("done")
            except (GuardFailed, PermissionDenied) as exc:
                outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=deactivate, args=pair) for pair in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    session.rollback()
    assert len(outcomes) == 2 and outcomes.count("done") == 1, outcomes
    still = [u for u in (users["admin"], second) if session.get(type(second), u.id, populate_existing=True).active]
    assert len(still) == 1
