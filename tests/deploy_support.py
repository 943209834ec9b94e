"""Helpers for the deployment tests: kfflow processes as an operator starts them, on loopback, and a fresh
PostgreSQL database per test that the processes migrate themselves."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import requests
from sqlalchemy import create_engine, text

from kfflow.config import PROJECT_ROOT

from tests.conftest import PG_ADMIN_URL
from tests.web_support import csrf_token

BIN = Path(sys.executable).parent
KFFLOW = str(BIN / "kfflow")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pg_url(dbname: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + dbname


@contextmanager
def fresh_pg_database(prefix: str, *, create: bool = True):
    """An empty PostgreSQL database for one test, dropped afterwards (connections and all). `create=False`:
    `prefix` is the exact name of a database the test creates itself; it is still dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}" if create else prefix
    admin = create_engine(PG_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    try:
        if create:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield pg_url(name)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def empty_database(kind: str, tmp_path: Path):
    """An empty database of `kind` ("sqlite" or "postgresql") for one test."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite'}"
    else:
        with fresh_pg_database("kfflow_empty") as url:
            yield url


def clean_env(**settings: str) -> dict:
    """The environment of a process started by an operator: this one without any KFFLOW_* or metrics folder of
    the test run, plus `settings`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KFFLOW_", "PROMETHEUS_"))}
    env["PYTHONUNBUFFERED"] = "1"  # output read back while the process runs
    env.update(settings)
    return env


def wait_until(predicate, timeout: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = predicate()
        except (OSError, requests.RequestException):
            value = None
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class Process:
    """One long-running process in its own session (process group), so that kill -9 takes its children too
    (a gunicorn master and its workers, as when a machine dies)."""

    def __init__(self, name: str, argv: list[str], env: dict, folder: Path):
        self.name = name
        folder.mkdir(parents=True, exist_ok=True)
        self.out_path, self.err_path = folder / f"{name}.out", folder / f"{name}.err"
        with open(self.out_path, "w") as out, open(self.err_path, "w") as err:
            self.popen = subprocess.Popen(argv, env=env, stdout=out, stderr=err, start_new_session=True)

    @property
    def output(self) -> str:
        return self.out_path.read_text(errors="replace") + self.err_path.read_text(errors="replace")

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill9(self) -> None:
        self.signal(signal.SIGKILL)
        self.popen.wait(timeout=10)

    def signal(self, signum: int) -> None:
        with _gone_is_fine():
            os.killpg(self.popen.pid, signum)


def stop_all(processes: list[Process], grace: float = 3) -> None:
    """SIGINT to all at once (a quick shutdown for gunicorn, Caddy and the scheduler), SIGKILL to whatever is
    left after `grace` seconds, including children a killed master left behind."""
    for process in processes:
        process.signal(signal.SIGINT)
    deadline = time.monotonic() + grace
    for process in processes:
        try:
            process.popen.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
        process.signal(signal.SIGKILL)
        process.popen.wait(timeout=10)


@contextmanager
def _gone_is_fine():
    try:
        yield
    except ProcessLookupError:
        pass


def start_node(name: str, env: dict, folder: Path, *, workers: int = 1) -> tuple[Process, str]:
    """`kfflow serve` with its own instance folder; returns the process and its base URL (see wait_ready)."""
    port = free_port()
    metrics = folder / f"{name}-metrics"  # prometheus-client's files; here, not in /tmp, as the node may be killed
    metrics.mkdir()
    node = Process(name, [KFFLOW, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
                   {**env, "KFFLOW_INSTANCE": str(folder / name), "PROMETHEUS_MULTIPROC_DIR": str(metrics)}, folder)
    base = f"http://127.0.0.1:{port}"
    return node, base


def start_proxy(folder: Path, https_port: int, bases: list[str]) -> tuple[Process, str, Path]:
    """Caddy with docker/Caddyfile, its own CA (`tls internal`) and data under `folder`, in front of `bases`.
    Returns the process, its HTTPS URL and the CA certificate to verify it with (see wait_proxy)."""
    data = folder / "caddy"
    proxy = Process("caddy", [str(BIN / "caddy"), "run", "--config", str(PROJECT_ROOT / "docker/Caddyfile"),
                              "--adapter", "caddyfile"],
                    clean_env(SITE_ADDRESS=f"127.0.0.1:{https_port}", TLS_CERTIFICATE="internal",
                              UPSTREAMS=" ".join(base.removeprefix("http://") for base in bases),
                              CADDY_ADMIN="off", CADDY_HTTP_PORT=str(free_port()), CADDY_HTTPS_PORT=str(https_port),
                              XDG_DATA_HOME=str(data), XDG_CONFIG_HOME=str(data)), folder)
    return proxy, f"https://127.0.0.1:{https_port}", data / "caddy/pki/authorities/local/root.crt"


def wait_proxy(proxy: Process, url: str, root_ca: Path, timeout: float = 60) -> None:
    """Until the proxy answers /readyz over TLS with a certificate from its CA."""
    wait_until(lambda: root_ca.exists() and requests.get(url + "/readyz", verify=str(root_ca), timeout=2).ok,
               timeout, f"Caddy to answer over TLS\n{proxy.output}")


def wait_ready(node: Process, base: str, timeout: float = 60) -> None:
    def ready():
        if not node.alive():
            raise AssertionError(f"{node.name} exited:\n{node.output}")
        return requests.get(base + "/readyz", timeout=2).status_code == 200
    wait_until(ready, timeout, f"{node.name} to be ready")


class Browser:
    """A browser as the nodes see it: cookies kept by hand, because a production node sets them `Secure` and the
    test talks plain HTTP to a single node (the TLS proxy in front is tested on its own). `base` is the node the
    load balancer currently sends it to."""

    def __init__(self, base: str, verify=True):
        self.base = base
        self.cookies: dict[str, str] = {}
        self.last_page: str | None = None
        self.verify = verify
        self.http = requests.Session()

    def request(self, method: str, path: str, **kw) -> requests.Response:
        headers = kw.pop("headers", {})
        if self.last_page:  # as a browser does; Flask-WTF requires it for a form posted over HTTPS
            headers["Referer"] = self.last_page
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = self.http.request(method, self.base + path, headers=headers, allow_redirects=False, timeout=30,
                                     verify=self.verify, **kw)
        self.http.cookies.clear()
        if method == "GET":
            self.last_page = self.base + path
        for cookie in response.raw.headers.getlist("Set-Cookie"):
            name, _, rest = cookie.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response

    def get(self, path: str, **kw):
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw):
        return self.request("POST", path, **kw)

    def sign_in(self, username: str, password: str) -> requests.Response:
        token = csrf_token(self.get("/logga-in").text)
        return self.post("/logga-in", data={"csrf_token": token, "username": username, "password": password})
