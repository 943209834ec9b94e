"""OpenID Connect sign-in against a real provider on loopback (tests/oidc_support.py), on SQLite and PostgreSQL.

The provider's users (tests/oidc_provider.mjs): anna is in kfflow-styrgrupp, bertil in no mapped group,
cecilia in kfflow-medarbetare. Tokens the tests spoil are signed with the provider's real key."""
from __future__ import annotations

import logging
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import func, select

from kfflow.models import LoginSession, User, UserRoleChange
from tests.conftest import TEST_PASSWORD
from tests.oidc_support import CLIENT_SECRET, path_of, sign_in_through_provider, start_provider


@pytest.fixture(scope="module")
def running_provider():
    process, provider = start_provider()
    yield provider
    process.terminate()
    process.wait(timeout=10)
    process.stdout.close()


@pytest.fixture
def provider(running_provider):
    running_provider.control("reset")
    return running_provider


@pytest.fixture
def client(make_web_app, provider):
    return make_web_app(provider.settings()).test_client()


def counts(session):
    session.expire_all()
    return (session.scalar(select(func.count()).select_from(User)),
            session.scalar(select(func.count()).select_from(LoginSession)),
            session.scalar(select(func.count()).select_from(UserRoleChange)))


def test_good_sign_in_creates_the_user_with_the_role_of_their_group(client, provider, session):
    page = client.get("/logga-in").get_data(as_text=True)
    assert "Logga in med Testregionen" in page

    answer, _ = sign_in_through_provider(client, provider, "anna")

    assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
    user = session.scalar(select(User).where(User.username == "anna"))
    assert (user.role, user.display_name, user.email) == ("steering", "Anna Andersson", "anna@region.example")
    assert user.external_subject == f"{provider.url} anna" and user.password_hash is None
    start = client.get("/")
    assert start.status_code == 200 and "Anna Andersson" in start.get_data(as_text=True)
    history = session.scalars(select(UserRoleChange)).all()
    assert [(h.user_id, h.from_role, h.to_role) for h in history] == [(user.id, None, "steering")]


def test_a_user_in_no_mapped_group_is_refused_and_nothing_is_written(client, provider, session, caplog):
    before = counts(session)
    with caplog.at_level(logging.WARNING):
        answer, _ = sign_in_through_provider(client, provider, "bertil")
    assert answer.status_code == 403
    assert "ingen behörighet" in answer.get_data(as_text=True)
    assert counts(session) == before
    assert client.get("/").status_code == 302   # still not signed in
    assert "no group" in caplog.text


def test_the_role_follows_a_changed_group_and_the_change_is_in_the_history(client, provider, session):
    sign_in_through_provider(client, provider, "cecilia")
    provider.control("groups", login="cecilia", groups=["kfflow-registratorer", "kfflow-medarbetare"])
    client.post("/logga-ut")

    answer, _ = sign_in_through_provider(client, provider, "cecilia")

    assert answer.status_code == 302
    session.expire_all()
    user = session.scalar(select(User).where(User.username == "cecilia"))
    assert user.role == "registrar"
    history = session.scalars(select(UserRoleChange).order_by(UserRoleChange.id)).all()
    assert [(h.from_role, h.to_role) for h in history] == [(None, "contributor"), ("contributor", "registrar")]
    assert history[-1].groups == ["kfflow-medarbetare", "kfflow-registratorer"]

    # Removed from every group: refused, and the sessions they still had end.
    other = client.application.test_client()
    sign_in_through_provider(other, provider, "cecilia")
    provider.control("groups", login="cecilia", groups=[])
    answer, _ = sign_in_through_provider(client, provider, "cecilia")
    assert answer.status_code == 403
    assert other.get("/").status_code == 302


@pytest.mark.parametrize("spoiled", [{"aud": "another-client"}, {"exp": int(time.time()) - 3600},
                                     {"nonce": "not-the-nonce-kfflow-sent"}, {"iss": "http://127.0.0.1:1"}],
                         ids=["wrong-audience", "expired", "wrong-nonce", "wrong-issuer"])
def test_an_id_token_that_fails_a_check_is_refused(client, provider, session, caplog, spoiled):
    before = counts(session)
    provider.control("tamper", **spoiled)
    with caplog.at_level(logging.WARNING):
        answer, _ = sign_in_through_provider(client, provider, "anna")
    assert answer.status_code == 400
    assert "Inloggningen kunde inte godkännas" in answer.get_data(as_text=True)
    assert counts(session) == before
    assert "OIDC sign-in refused" in caplog.text and CLIENT_SECRET not in caplog.text
    assert "eyJ" not in caplog.text   # no token in the log


def test_a_replayed_state_is_refused(client, provider, session):
    answer, callback = sign_in_through_provider(client, provider, "anna")
    assert answer.status_code == 302
    before = counts(session)
    again = client.get(path_of(callback))
    assert again.status_code == 400
    assert counts(session) == before


def test_a_callback_with_an_unknown_state_or_a_provider_error_is_refused(client, session):
    before = counts(session)
    assert client.get("/logga-in/oidc/callback?code=abc&state=made-up").status_code == 400
    assert client.get("/logga-in/oidc/callback?error=access_denied&state=x").status_code == 400
    assert counts(session) == before


def test_a_rotated_signing_key_is_fetched_from_the_providers_keys(client, provider, session):
    assert sign_in_through_provider(client, provider, "anna")[0].status_code == 302
    client.post("/logga-ut")
    provider.control("rotate")
    answer, _ = sign_in_through_provider(client, provider, "anna")
    assert answer.status_code == 302, answer.get_data(as_text=True)[:300]


def test_sign_out_ends_the_session_and_the_providers(client, provider):
    sign_in_through_provider(client, provider, "anna")
    answer = client.post("/logga-ut")
    assert answer.status_code == 302
    end_session = urlsplit(answer.location)
    assert f"{end_session.scheme}://{end_session.netloc}{end_session.path}" == f"{provider.url}/session/end"
    assert parse_qs(end_session.query)["client_id"] == ["kfflow"]
    assert parse_qs(end_session.query)["post_logout_redirect_uri"] == ["http://localhost/logga-in"]
    assert requests.get(answer.location, timeout=10).status_code == 200   # the provider's sign-out page
    assert client.get("/").status_code == 302


def test_without_a_provider_the_sign_in_page_has_no_button(make_web_app):
    client = make_web_app().test_client()
    assert "Logga in med" not in client.get("/logga-in").get_data(as_text=True)
    assert client.get("/logga-in/oidc").status_code == 404


def test_without_local_login_only_the_provider_signs_people_in(make_web_app, provider, make_user):
    make_user("lokal", "admin")   # a local account with a password (tests.conftest.TEST_PASSWORD)
    client = make_web_app({**provider.settings(), "local_login": False}).test_client()
    page = client.get("/logga-in").get_data(as_text=True)
    assert 'type="password"' not in page and "Logga in med Testregionen" in page

    token = client.post("/api/v1/tokens", json={"username": "lokal", "password": TEST_PASSWORD})
    assert token.status_code == 403, token.get_data(as_text=True)

    assert sign_in_through_provider(client, provider, "anna")[0].status_code == 302
    refused = client.post("/logga-in", data={"username": "lokal", "password": TEST_PASSWORD})
    assert refused.status_code == 403 and "avstängd" in refused.get_data(as_text=True)
    assert "Anna Andersson" in client.get("/").get_data(as_text=True)   # still anna, not lokal


def test_someone_in_no_group_gets_the_declared_role_when_roles_yaml_says_so(provider, session):
    from kfflow.services.external_sign_in import sign_in_from_claims
    from kfflow.workflow.loader import GroupRoles

    mapping = GroupRoles(claim="groups", groups={"kfflow-styrgrupp": "steering"}, without_group="contributor")
    result = sign_in_from_claims(session, {"iss": provider.url, "sub": "bertil", "groups": ["personal"],
                                           "preferred_username": "bertil", "name": "Bertil Berg"}, mapping)
    assert (result.user.username, result.user.role) == ("bertil", "contributor")


def test_workflows_check_names_a_group_that_gives_an_unknown_role(tmp_path):
    import shutil

    import yaml
    from click.testing import CliRunner

    from kfflow.cli import main
    from tests.conftest import WORKFLOWS_PATH

    folder = tmp_path / "workflows"
    shutil.copytree(WORKFLOWS_PATH, folder)
    data = yaml.safe_load((folder / "roles.yaml").read_text(encoding="utf-8"))
    data["sign_in_groups"]["groups"]["kfflow-chefer"] = "boss"
    data["sign_in_groups"]["without_group"] = "maybe"
    (folder / "roles.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = CliRunner().invoke(main, ["workflows", "check", "--path", str(folder)])
    assert result.exit_code != 0
    assert "group 'kfflow-chefer' gives unknown role 'boss'" in result.output
    assert "without_group must be 'refuse' or a role" in result.output


def test_an_unreachable_provider_is_a_swedish_page_and_a_log_line(make_web_app, provider, session, caplog):
    from tests.deploy_support import free_port

    before = counts(session)
    client = make_web_app({**provider.settings(), "oidc_issuer": f"http://127.0.0.1:{free_port()}"}).test_client()
    with caplog.at_level(logging.WARNING):
        answer = client.get("/logga-in/oidc")
    assert answer.status_code == 503 and "svarar inte" in answer.get_data(as_text=True)
    assert "provider unreachable" in caplog.text
    assert counts(session) == before


def test_a_deactivated_kfflow_account_cannot_sign_in_through_the_provider(client, provider, session, make_user):
    from kfflow.services.users import set_active

    admin = make_user("lokal.admin", "admin")
    sign_in_through_provider(client, provider, "anna")
    anna = session.scalar(select(User).where(User.username == "anna"))
    set_active(session, admin, anna.id, False)
    client.post("/logga-ut")
    answer, _ = sign_in_through_provider(client, provider, "anna")
    assert answer.status_code == 403 and "avstängt" in answer.get_data(as_text=True)


def test_someone_without_a_password_makes_an_api_key_and_it_ends_with_their_account(client, provider, session,
                                                                                    make_user):
    import re

    from kfflow.services.users import set_active
    from tests.api_support import days_ahead

    admin = make_user("lokal.admin", "admin")
    sign_in_through_provider(client, provider, "anna")
    page = client.post("/installningar/api-nycklar", data={"name": "Rapporter", "expires": days_ahead(30)})
    assert page.status_code == 200
    token = re.search(r'id="new-key" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    api = client.application.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    status = api.post("/api/v1/me/tokens", json={"name": "Skript", "expires": days_ahead(5)}, headers=headers)
    assert status.status_code == 201   # and over the API too, without any password
    second = status.get_json()["token"]
    assert api.get("/api/v1/me/tokens", headers=headers).status_code == 200

    session.expire_all()
    anna = session.scalar(select(User).where(User.username == "anna"))
    set_active(session, admin, anna.id, False)
    for key in (token, second):
        assert api.get("/api/v1/me/tokens", headers={"Authorization": f"Bearer {key}"}).status_code == 401


def test_someone_the_groups_no_longer_let_in_loses_their_api_keys(client, provider, session):
    from tests.api_support import days_ahead

    sign_in_through_provider(client, provider, "cecilia")
    page = client.post("/installningar/api-nycklar", data={"name": "Rapporter", "expires": days_ahead(30)})
    token = page.get_data(as_text=True).split('id="new-key" value="')[1].split('"')[0]
    headers = {"Authorization": f"Bearer {token}"}
    api = client.application.test_client()
    assert api.get("/api/v1/me/tokens", headers=headers).status_code == 200
    client.post("/logga-ut")
    provider.control("groups", login="cecilia", groups=[])
    assert sign_in_through_provider(client, provider, "cecilia")[0].status_code == 403
    assert api.get("/api/v1/me/tokens", headers=headers).status_code == 401
