"""A real OpenID Provider on loopback for the sign-in tests: the `oidc-provider` package (npm, installed into
tests/.node by the Makefile) run by node with tests/oidc_provider.mjs. Started once per test module like
the browser tests start Chromium, stopped at the end; without node or the package the tests skip with the
reason shown, and under CI=true they fail instead."""
from __future__ import annotations

import shutil
import subprocess
from urllib.parse import urljoin, urlsplit

import pytest
import requests
from pydantic import SecretStr

from kfflow.config import PROJECT_ROOT
from tests.browser_support import require
from tests.deploy_support import free_port

PROVIDER_SCRIPT = PROJECT_ROOT / "tests" / "oidc_provider.mjs"
PROVIDER_PACKAGE = PROJECT_ROOT / "tests" / ".node" / "node_modules" / "oidc-provider" / "package.json"
# The Flask test client's host: where the provider sends the browser back to.
APP_ORIGIN = "http://localhost"
REDIRECT_URI = APP_ORIGIN + "/logga-in/oidc/callback"
CLIENT_ID, CLIENT_SECRET = "kfflow", "kfflow-test-secret"


class Provider:
    def __init__(self, url: str):
        self.url = url

    def settings(self) -> dict:
        """Settings fields that point kfflow at this provider."""
        return {"oidc_issuer": self.url, "oidc_client_id": CLIENT_ID, "oidc_client_secret": SecretStr(CLIENT_SECRET),
                "oidc_name": "Testregionen"}

    def control(self, what: str, **body) -> None:
        requests.post(f"{self.url}/test/{what}", json=body, timeout=10).raise_for_status()

    def browse(self, authorize_url: str, login: str) -> str:
        """Be the browser at the provider: follow its redirects, signing in as `login`, and return the URL
        it finally sends the browser to (kfflow's callback)."""
        browser = requests.Session()
        url = authorize_url
        for _ in range(10):
            if "/interaction/" in url:
                url += f"?as={login}"
            answer = browser.get(url, allow_redirects=False, timeout=10)
            assert answer.status_code in (302, 303), (answer.status_code, answer.text[:500])
            url = urljoin(url, answer.headers["Location"])
            if url.startswith(APP_ORIGIN):
                return url
        raise AssertionError("the provider never sent the browser back")


def start_provider():
    node = shutil.which("node")
    require(node or "/usr/bin/node", "node (Debian package nodejs)")
    require(PROVIDER_PACKAGE, "oidc-provider (make test installs it into tests/.node)")
    port = free_port()
    process = subprocess.Popen([node, str(PROVIDER_SCRIPT), str(port), REDIRECT_URI],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = process.stdout.readline()
    if line.strip() != "ready":
        process.kill()
        pytest.fail(f"the OpenID provider did not start (exit {process.poll()})")
    return process, Provider(f"http://127.0.0.1:{port}")


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


def sign_in_through_provider(client, provider: Provider, login: str):
    """The whole sign-in as a browser does it: kfflow's button, the provider, kfflow's callback.
    Returns the callback's response and its URL (to replay it)."""
    start = client.get("/logga-in/oidc")
    assert start.status_code == 302, start.get_data(as_text=True)[:500]
    callback = provider.browse(start.location, login)
    return client.get(path_of(callback)), callback
