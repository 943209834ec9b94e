"""Named API tokens (the API-nycklar page, /api/v1/me/tokens), service accounts and break-glass password sign-in,
on SQLite and PostgreSQL. Sign-in through a real provider with these is in tests/test_oidc_sign_in.py."""
from __future__ import annotations

import hashlib
import logging
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from kfflow.clock import local_today
from kfflow.db import utcnow
from kfflow.errors import GuardFailed, NotAuthenticated
from kfflow.models import AccountEvent, ApiToken, User
from kfflow.services.auth_sessions import signed_in, start_session
from kfflow.services.credentials import PasswordDoor, reset_password
from kfflow.services.tokens import issue_token, user_for_api_token
from tests.conftest import TEST_PASSWORD

TOKEN_SHOWN = re.compile(r'id="new-key" value="([^"]+)"')


def later(days: int) -> str:
    return (local_today() + timedelta(days=days)).isoformat()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def rows_of(session, username: str) -> list[ApiToken]:
    session.rollback()   # see what the app committed since this session last read
    return list(session.scalars(select(ApiToken).join(User).where(User.username == username)))


# --- one's own keys over the API ------------------------------------------------------------------

def test_a_key_is_shown_once_and_only_its_hash_is_stored(api, users, session):
    status, made = api.call("POST", "/me/tokens", {"name": "Rapportverktyget", "expires": later(30)}, as_user="owner")
    assert status == 201, made
    assert made["name"] == "Rapportverktyget" and made["last_used"] is None
    token = made["token"]

    status, listed = api.call("GET", "/me/tokens", token=token)
    assert status == 200
    mine = [item for item in listed["items"] if item["id"] == made["id"]]
    assert mine and "token" not in mine[0]
    assert mine[0]["last_used"] is not None    # this very request used it
    assert token not in str(listed)

    session.rollback()
    row = session.get(ApiToken, made["id"])
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in [str(getattr(row, column.name)) for column in ApiToken.__table__.columns]


def test_the_expiry_is_checked_and_enforced(api, users, session):
    too_far = later(366)
    status, answer = api.call("POST", "/me/tokens", {"name": "För länge", "expires": too_far}, as_user="owner")
    assert status == 422 and "högst 365 dagar" in answer["error"]["fields"]["expires"]
    status, answer = api.call("POST", "/me/tokens", {"name": "", "expires": local_today().isoformat()},
                              as_user="owner")
    assert status == 422
    assert answer["error"]["fields"] == {"name": "Ge nyckeln ett namn, t.ex. vad den ska användas till.",
                                         "expires": "Slutdatumet ska vara efter i dag."}
    status, answer = api.call("POST", "/me/tokens", {"name": "Fel\x00tecken", "expires": "31/12"}, as_user="owner")
    assert status == 422 and set(answer["error"]["fields"]) >= {"name"}
    assert rows_of(session, "owner") == [session.scalar(select(ApiToken))]   # only the api fixture's own token

    status, made = api.call("POST", "/me/tokens", {"name": "Kort", "expires": later(1)}, as_user="owner")
    assert status == 201
    session.rollback()
    expires = session.get(ApiToken, made["id"]).expires_at
    assert user_for_api_token(session, made["token"], now=expires - timedelta(seconds=1)) is not None
    assert user_for_api_token(session, made["token"], now=expires) is None
    assert expires - utcnow() <= timedelta(days=2)


def test_a_revoked_key_stops_at_the_next_request(api, users):
    _, made = api.call("POST", "/me/tokens", {"name": "Skript", "expires": later(10)}, as_user="council")
    assert api.call("GET", "/me/tokens", token=made["token"])[0] == 200
    assert api.call("DELETE", f"/me/tokens/{made['id']}", as_user="council")[0] == 204
    status, answer = api.call("GET", "/me/tokens", token=made["token"])
    assert status == 401 and "återkallats" in answer["error"]["message"]
    # Revoked already, or someone else's: not found, nothing changed.
    assert api.call("DELETE", f"/me/tokens/{made['id']}", as_user="council")[0] == 404
    _, other = api.call("POST", "/me/tokens", {"name": "Annans", "expires": later(10)}, as_user="owner")
    assert api.call("DELETE", f"/me/tokens/{other['id']}", as_user="council")[0] == 404
    assert api.call("GET", "/me/tokens", token=other["token"])[0] == 200


# --- the API-nycklar page ---------------------------------------------------------------------------

def test_the_page_makes_shows_once_lists_and_revokes_a_key(make_web_app, session, users):
    from tests.web_support import sign_in

    app = make_web_app()
    client = sign_in(app, session, users["contributor"])
    assert "/installningar/api-nycklar" in client.get("/installningar/aviseringar").get_data(as_text=True)

    refused = client.post("/installningar/api-nycklar", data={"name": "", "expires": later(9999)})
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "Ge nyckeln ett namn" in text and "högst 365 dagar" in text and not rows_of(session, "contributor")

    made = client.post("/installningar/api-nycklar", data={"name": "Power BI <rapport>", "expires": later(20)})
    assert made.status_code == 200
    page = made.get_data(as_text=True)
    token = TOKEN_SHOWN.search(page).group(1)
    assert "Power BI &lt;rapport&gt;" in page
    assert app.test_client().get("/api/v1/me/tokens", headers=bearer(token)).status_code == 200

    again = client.get("/installningar/api-nycklar").get_data(as_text=True)
    assert token not in again and "Power BI &lt;rapport&gt;" in again and 'id="new-key"' not in again
    key_id = rows_of(session, "contributor")[0].id
    assert client.post(f"/installningar/api-nycklar/{key_id}/aterkalla").status_code == 302
    assert app.test_client().get("/api/v1/me/tokens", headers=bearer(token)).status_code == 401
    assert "Inga API-nycklar gäller just nu." in client.get("/installningar/api-nycklar").get_data(as_text=True)


# --- service accounts -----------------------------------------------------------------------------

def _service_account(api, role: str = "steering", username: str = "hr.system") -> tuple[int, str]:
    status, account = api.call("POST", "/admin/service-accounts",
                               {"username": username, "display_name": "HR-systemet", "role": role}, as_user="admin")
    assert status == 201, account
    status, made = api.call("POST", f"/admin/service-accounts/{account['id']}/tokens",
                            {"name": "Produktion", "expires": later(90)}, as_user="admin")
    assert status == 201, made
    return account["id"], made["token"]


def test_a_service_account_works_under_the_role_the_admin_gave_it(api, users):
    from tests.factories import measure_in_state

    _, steering = _service_account(api, "steering", "styr.integration")
    _, contributor = _service_account(api, "contributor", "bidrag.integration")
    measure = measure_in_state(api.session, users, "decided")
    body = {"name": "Sjukfrånvaro", "unit": "%", "direction": "lower", "baseline": 7.9, "baseline_date": "2024-12-31",
            "target": 6.5, "target_date": "2027-12-31", "frequency_days": 90}
    assert api.call("POST", f"/measures/{measure.id}/indicators", body, token=steering)[0] == 201
    status, answer = api.call("POST", f"/measures/{measure.id}/indicators", body, token=contributor)
    assert status == 403 and answer["error"]["code"] == "forbidden"
    # Its tokens come from an admin only.
    status, answer = api.call("POST", "/me/tokens", {"name": "Egen", "expires": later(5)}, token=steering)
    assert status == 403 and "administratör" in answer["error"]["message"]


def test_a_service_account_cannot_sign_in_interactively(api, users, session, make_web_app):
    account_id, _ = _service_account(api)
    session.rollback()
    account = session.get(User, account_id)
    assert account.service_account and account.password_hash is None
    with pytest.raises(NotAuthenticated):
        issue_token(session, "hr.system", "", source="test")
    with pytest.raises(GuardFailed):
        reset_password(session, users["admin"], account_id, "grön-kaffe-tåg-Kalmar")
    # Even a session someone made for it by hand is not honoured.
    assert signed_in(session, start_session(session, account)) is None
    page = make_web_app().test_client().post("/logga-in", data={"username": "hr.system", "password": "x"})
    assert page.status_code == 401
    # Nobody hands a measure over to an integration; the users page lists people only.
    status, accounts = api.call("GET", "/admin/service-accounts", as_user="admin")
    assert [a["username"] for a in accounts["items"]] == ["hr.system"]


def test_a_deactivated_service_accounts_tokens_stop_at_the_next_request(api, users, session):
    account_id, token = _service_account(api)
    assert api.call("GET", "/lagesbild", token=token)[0] == 200
    status, answer = api.call("PUT", f"/admin/service-accounts/{account_id}/active", {"active": False},
                              as_user="admin")
    assert status == 200 and answer["active"] is False
    assert api.call("GET", "/lagesbild", token=token)[0] == 401
    # Reactivated, it starts afresh: the old token stays revoked; an inactive account gets no new one.
    api.call("PUT", f"/admin/service-accounts/{account_id}/active", {"active": True}, as_user="admin")
    assert api.call("GET", "/lagesbild", token=token)[0] == 401
    api.call("PUT", f"/admin/service-accounts/{account_id}/active", {"active": False}, as_user="admin")
    status, answer = api.call("POST", f"/admin/service-accounts/{account_id}/tokens",
                              {"name": "Ny", "expires": later(5)}, as_user="admin")
    assert status == 422 and "inaktiverat" in answer["error"]["message"]


def test_an_admin_revokes_a_service_accounts_key_and_the_history_says_who(api, users, session):
    account_id, token = _service_account(api)
    _, keys = api.call("GET", f"/admin/service-accounts/{account_id}/tokens", as_user="admin")
    assert [k["name"] for k in keys["items"]] == ["Produktion"] and "token" not in keys["items"][0]
    key_id = keys["items"][0]["id"]
    assert api.call("DELETE", f"/admin/service-accounts/{account_id}/tokens/{key_id}", as_user="owner")[0] == 403
    assert api.call("DELETE", f"/admin/service-accounts/{account_id}/tokens/{key_id}", as_user="admin")[0] == 204
    assert api.call("GET", "/lagesbild", token=token)[0] == 401
    session.rollback()
    events = session.scalars(select(AccountEvent).where(AccountEvent.user_id == account_id)
                             .order_by(AccountEvent.id)).all()
    assert [(e.kind, e.actor_id, e.detail) for e in events] == [
        ("token_created", users["admin"].id, "Produktion"), ("token_revoked", users["admin"].id, "Produktion")]
    # A person's id is no service account.
    assert api.call("GET", f"/admin/service-accounts/{users['owner'].id}/tokens", as_user="admin")[0] == 404


def test_the_service_account_pages(make_web_app, session, users):
    from tests.web_support import sign_in

    app = make_web_app()
    admin = sign_in(app, session, users["admin"])
    refused = admin.post("/admin/tjanstekonton", data={"username": "X Y", "role": "nope"})
    assert refused.status_code == 422 and "Okänd roll" in refused.get_data(as_text=True)
    created = admin.post("/admin/tjanstekonton", data={"username": "ekonomi", "display_name": "Ekonomisystemet",
                                                      "role": "council"})
    assert created.status_code == 302
    session.rollback()
    account = session.scalar(select(User).where(User.username == "ekonomi"))
    assert (account.role, account.service_account, account.password_hash) == ("council", True, None)
    assert "ekonomi" in admin.get("/admin/tjanstekonton").get_data(as_text=True)
    assert "ekonomi" not in admin.get("/admin/anvandare").get_data(as_text=True)

    made = admin.post(f"/admin/tjanstekonton/{account.id}", data={"name": "Nattkörning", "expires": later(30)})
    token = TOKEN_SHOWN.search(made.get_data(as_text=True)).group(1)
    reader = app.test_client()
    assert reader.get("/api/v1/lagesbild", headers=bearer(token)).status_code == 200
    assert admin.post(f"/admin/tjanstekonton/{account.id}/aktiv", data={"active": "0"}).status_code == 302
    assert reader.get("/api/v1/lagesbild", headers=bearer(token)).status_code == 401
    assert sign_in(app, session, users["owner"]).get("/admin/tjanstekonton").status_code == 403


# --- break-glass password sign-in with KFFLOW_LOCAL_LOGIN=0 -----------------------------------------

def test_the_password_door():
    assert PasswordDoor().lets_in("anyone")
    door = PasswordDoor(open=False, break_glass=frozenset({"nod.admin"}))
    assert door.lets_in(" Nod.Admin ") and not door.lets_in("owner") and door.anyone_may_try
    assert not PasswordDoor(open=False).anyone_may_try


def test_break_glass_works_only_for_the_listed_accounts(make_web_app, make_user, users, session, caplog):
    make_user("nod.admin", "admin")
    app = make_web_app({"local_login": False, "break_glass_accounts": "nod.admin, reserv"})
    client = app.test_client()
    page = client.get("/logga-in").get_data(as_text=True)
    assert "Nödinloggning med lösenord" in page and "<details" in page

    refused = client.post("/logga-in", data={"username": "admin", "password": TEST_PASSWORD})
    assert refused.status_code == 403 and "avstängd" in refused.get_data(as_text=True)
    answer = client.post("/api/v1/tokens", json={"username": "owner", "password": TEST_PASSWORD})
    assert answer.status_code == 403 and "avstängd" in answer.get_json()["error"]["message"]
    assert not session.scalars(select(AccountEvent)).all()

    with caplog.at_level(logging.WARNING):
        assert client.post("/logga-in", data={"username": "nod.admin", "password": TEST_PASSWORD}).status_code == 302
        answer = client.post("/api/v1/tokens", json={"username": "nod.admin", "password": TEST_PASSWORD})
    assert answer.status_code == 201
    assert "break-glass password sign-in (web) by nod.admin" in caplog.text
    assert "break-glass password sign-in (api) by nod.admin" in caplog.text
    session.rollback()
    events = session.scalars(select(AccountEvent).order_by(AccountEvent.id)).all()
    assert [(e.kind, e.detail.split()[0]) for e in events] == [("break_glass_sign_in", "web"),
                                                                ("break_glass_sign_in", "api")]
    listed = client.get("/api/v1/admin/account-events", headers=bearer(answer.get_json()["token"])).get_json()
    assert [(e["username"], e["kind"], e["label"]) for e in listed["items"]] == [
        ("nod.admin", "break_glass_sign_in", "Nödinloggning med lösenord")] * 2
    assert listed["items"][0]["detail"].startswith("api ")
    page = client.get("/admin/kontohandelser").get_data(as_text=True)
    assert page.count("Nödinloggning med lösenord") == 2
    # A wrong password of a listed account is just wrong, and not recorded as a sign-in.
    wrong = app.test_client().post("/logga-in", data={"username": "nod.admin", "password": "fel"})
    session.rollback()
    assert wrong.status_code == 401 and len(session.scalars(select(AccountEvent)).all()) == 2


def test_with_local_login_on_password_sign_in_is_not_break_glass(make_web_app, users, session):
    client = make_web_app().test_client()
    page = client.get("/logga-in").get_data(as_text=True)
    assert 'type="password"' in page and "<details" not in page
    assert client.post("/logga-in", data={"username": "owner", "password": TEST_PASSWORD}).status_code == 302
    assert not session.scalars(select(AccountEvent)).all()


def test_default_expiry_is_within_the_maximum():
    from kfflow.services.api_keys import default_expiry

    assert default_expiry(30) - local_today() == timedelta(days=30)
    assert default_expiry(365) - local_today() == timedelta(days=90)
    assert isinstance(default_expiry(1), date)


def test_the_command_line_makes_a_service_account_and_shows_an_accounts_history(invoke, api, users, session):
    made = invoke("users", "add", "lon.system", "--role", "council", "--service-account")
    assert made.exit_code == 0 and "Tjänstekontot lon.system (council) är skapat." in made.output
    session.rollback()
    account = session.scalar(select(User).where(User.username == "lon.system"))
    assert account.service_account and account.password_hash is None
    refused = invoke("users", "password", "lon.system")
    assert refused.exit_code == 2 and "inget lösenord" in refused.output

    status, key = api.call("POST", f"/admin/service-accounts/{account.id}/tokens",
                           {"name": "Lönekörning", "expires": later(7)}, as_user="admin")
    api.call("DELETE", f"/admin/service-accounts/{account.id}/tokens/{key['id']}", as_user="admin")
    history = invoke("users", "history", "lon.system")
    assert history.exit_code == 0
    lines = history.output.splitlines()
    assert "API-nyckel skapad" in lines[0] and "Lönekörning (av admin)" in lines[0]
    assert "API-nyckel återkallad" in lines[1] and len(lines) == 2
    assert invoke("users", "history", "ingen").exit_code == 2


def test_an_admin_service_account_does_not_count_as_the_last_admin(api, users, session):
    from kfflow.services.users import set_active

    _service_account(api, "admin", "admin.integration")
    session.rollback()
    others = session.scalars(select(User).where(User.role == "admin", User.username != "admin",
                                                User.service_account.is_(False))).all()
    assert others == []
    with pytest.raises(GuardFailed, match="minst en aktiv administratör"):
        set_active(session, users["admin"], users["admin"].id, False)


def test_a_key_works_through_the_last_day_chosen():
    from datetime import datetime, timezone

    from kfflow.services.api_keys import ApiKey

    # Valid through 10 December in Stockholm: it ends at local midnight, 23:00 UTC.
    key = ApiKey(1, "x", utcnow(), datetime(2026, 12, 10, 23, 0, tzinfo=timezone.utc), None)
    assert key.last_day == date(2026, 12, 10)
