"""Signing in at the edges: where `next` may lead, and one throttle for web and API that holds under real
concurrent requests from distinct addresses, behind a trusted proxy, and never locks a user out."""
from __future__ import annotations

import unicodedata
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import requests
from sqlalchemy import func, select

from kfflow.db import write_transaction
from kfflow.errors import TooManyAttempts
from kfflow.models import SignInFailure
from kfflow.services.throttle import (ACCOUNT_SLOWDOWN_AFTER, ACCOUNT_SPACING, MAX_PER_ACCOUNT_AND_ADDRESS,
                                      MAX_PER_ADDRESS, check_password)
from tests.conftest import NOW, TEST_PASSWORD
from tests.web_support import ServedApp, cheapest_password_hash, csrf_token

# The throttle counts password checks, and this file makes dozens: argon2 at its cheapest here.
password_hash = cheapest_password_hash

WRONG = "not-the-password"


def _web_login(client, username, password=TEST_PASSWORD, address="10.0.0.1", **form):
    page = client.get("/logga-in", environ_base={"REMOTE_ADDR": address})
    return client.post("/logga-in", environ_base={"REMOTE_ADDR": address}, data={
        "username": username, "password": password, "csrf_token": csrf_token(page.get_data(as_text=True)), **form})


def _api_login(client, username, password=TEST_PASSWORD, address="10.0.0.1"):
    return client.post("/api/v1/tokens", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


# --- `next` -------------------------------------------------------------------------------------------

OPEN_REDIRECTS = [
    "//evil.example", "///evil.example", "////evil.example/", "/\\evil.example", "\\\\evil.example",
    "/\\/evil.example", "\\/evil.example", "/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example",
    "/ /evil.example", "/\x00/evil.example", "/\u3000/evil.example", "/\u200b/evil.example",
    "https:evil.example", "https://evil.example", "http:/evil.example", "javascript:alert(1)",
    "data:text/html,x", "evil.example", "%2F%2Fevil.example", " //evil.example", "\x7f//evil.example",
    "/atgarder\r\nSet-Cookie: x=1", "https:\\\\evil.example", "//evil.example@kfflow.example", "",
]
LOCAL_PATHS = ["/atgarder", "/atgarder?sida=2&status=decided", "/granskningar/3", "/%2F%2Fevil.example"]


def _stays_here(location: str) -> bool:
    return (location.startswith("/") and not location.startswith("//") and "\\" not in location
            and not urlsplit(location).netloc
            and not any(unicodedata.category(c)[0] in "CZ" for c in location))


def test_next_never_leaves_the_site_and_keeps_a_local_path(make_web_app):
    from webui.auth import safe_next

    with make_web_app().test_request_context("/logga-in"):
        led_away = [target for target in OPEN_REDIRECTS if safe_next(target) != "/"]
        assert led_away == []
        assert [safe_next(path) for path in LOCAL_PATHS] == LOCAL_PATHS
        assert all(_stays_here(path) for path in LOCAL_PATHS)


def test_sign_in_with_the_reported_next_values_goes_home_not_away(make_web_app, users):
    """The issue's reproductions end to end: a tab-split `//` and a CR LF (which answered 500)."""
    app = make_web_app()
    for target in ("/\t/evil.example", "/atgarder\r\nX-Evil: 1", "//evil.example", "/\\evil.example"):
        client = app.test_client()
        page = client.get("/logga-in", query_string={"next": target}).get_data(as_text=True)
        assert "evil.example" not in page, "the page must not carry the outside target on to the form"
        response = _web_login(client, "owner", next=target)
        assert response.status_code == 302 and response.headers["Location"] == "/", target
    response = _web_login(app.test_client(), "owner", next="/atgarder?sida=2")
    assert response.headers["Location"] == "/atgarder?sida=2" and _stays_here(response.headers["Location"])


# --- one throttle ------------------------------------------------------------------------------------

def test_web_and_api_share_one_count_and_a_right_password_elsewhere_still_works(make_web_app, session, users):
    client = make_web_app().test_client()
    for _ in range(3):
        assert _web_login(client, "owner", WRONG).status_code == 401
    for _ in range(MAX_PER_ACCOUNT_AND_ADDRESS - 3):
        assert _api_login(client, "owner", WRONG).status_code == 401
    refused = _api_login(client, "owner")        # the right password, from the guesser's address
    assert refused.status_code == 429 and 0 < int(refused.headers["Retry-After"]) <= 15 * 60
    web = _web_login(client, "owner")
    assert web.status_code == 429 and int(web.headers["Retry-After"]) > 0
    # OWASP: slow down, do not lock out. The owner at their own desk signs in.
    assert _web_login(make_web_app().test_client(), "owner", address="10.9.9.9").status_code == 302
    assert _api_login(client, "owner", address="10.9.9.9").status_code == 201
    session.rollback()
    assert session.scalar(select(func.count(SignInFailure.id))) == MAX_PER_ACCOUNT_AND_ADDRESS


def test_one_password_against_many_usernames_from_one_address_is_slowed(make_web_app, users):
    client = make_web_app().test_client()
    answers = [_api_login(client, f"user{i}", "Sommar2026!", address="10.0.0.66").status_code for i in range(40)]
    assert answers[:MAX_PER_ADDRESS] == [401] * MAX_PER_ADDRESS
    assert set(answers[MAX_PER_ADDRESS:]) == {429}
    # The address is slowed for everyone behind it, web included; other addresses are not.
    assert _web_login(client, "owner", address="10.0.0.66").status_code == 429
    assert _web_login(client, "owner", address="10.0.0.67").status_code == 302


def test_guesses_spread_over_many_addresses_slow_the_account_without_locking_it(session, users):
    with write_transaction(session):
        session.add_all(SignInFailure(username="owner", address=f"198.51.100.{i}", channel="api",
                                      at=NOW - timedelta(minutes=5) + timedelta(seconds=i))
                        for i in range(ACCOUNT_SLOWDOWN_AFTER))
    last = NOW - timedelta(minutes=5) + timedelta(seconds=ACCOUNT_SLOWDOWN_AFTER - 1)
    with pytest.raises(TooManyAttempts) as refused:
        check_password(session, "owner", TEST_PASSWORD, "10.2.2.2", "web", now=last + timedelta(seconds=5))
    assert refused.value.retry_after == (ACCOUNT_SPACING - timedelta(seconds=5)).total_seconds()
    # Seconds later, not a quarter of an hour: the real user gets in.
    assert check_password(session, "owner", TEST_PASSWORD, "10.2.2.2", "web",
                          now=last + ACCOUNT_SPACING + timedelta(seconds=1)) is not None


def _post_many(url: str, bodies: list[tuple[dict, dict]]) -> list[int]:
    """Every request at once, each on its own connection."""
    def post(item):
        body, headers = item
        return requests.post(url, json=body, headers=headers, timeout=60).status_code
    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(post, bodies))


def test_concurrent_guesses_get_five_checks_not_more(make_web_app, users):
    """Real concurrent requests through a real server, from distinct client addresses behind one
    trusted proxy: 12 guesses at once from one address get exactly five password checks, while the owner,
    from their own address at the same moment, gets in."""
    app = make_web_app({"trusted_proxies": 1})
    attacker = ({"username": "owner", "password": WRONG}, {"X-Forwarded-For": "203.0.113.7"})
    owner = ({"username": "owner", "password": TEST_PASSWORD}, {"X-Forwarded-For": "192.0.2.10"})
    with ServedApp(app) as served:
        answers = _post_many(served.url + "/api/v1/tokens", [attacker] * 12 + [owner])
    assert answers[-1] == 201, "someone else's failures must not lock the owner out"
    assert sorted(answers[:-1]) == [401] * MAX_PER_ACCOUNT_AND_ADDRESS + [429] * (12 - MAX_PER_ACCOUNT_AND_ADDRESS)


def test_forwarded_for_counts_only_behind_a_trusted_proxy(make_web_app, users):
    """Without KFFLOW_TRUSTED_PROXIES a client cannot pick its own address by sending X-Forwarded-For;
    with it, the address the proxy saw is the one counted (not the proxy's, shared by all)."""
    spoofing = [({"username": "owner", "password": WRONG}, {"X-Forwarded-For": f"203.0.113.{i}"}) for i in range(7)]
    with ServedApp(make_web_app()) as served:
        answers = _post_many(served.url + "/api/v1/tokens", spoofing)
    assert sorted(answers) == [401] * MAX_PER_ACCOUNT_AND_ADDRESS + [429] * 2
    with ServedApp(make_web_app({"trusted_proxies": 1})) as served:
        others = _post_many(served.url + "/api/v1/tokens",
                            [({"username": "steering", "password": WRONG}, {"X-Forwarded-For": f"203.0.113.{i}"})
                             for i in range(7)])
    assert others == [401] * 7, "seven clients behind the proxy, one guess each: none is throttled"
