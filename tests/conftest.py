"""Shared fixtures. Every test that touches the database runs on SQLite and on PostgreSQL.

PostgreSQL: one fresh database per test run (per xdist worker), its schema made once and its tables
emptied before each test. Under CI=true an unreachable PostgreSQL fails the run; elsewhere its tests
are skipped with the reason shown.
"""
from __future__ import annotations

import os
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from kfflow.config import PROJECT_ROOT, Settings
from kfflow.database import Database
from kfflow.models import Base
from kfflow.security import hash_password
from kfflow.workflow import configure, load_workflows

PG_ADMIN_URL = os.environ.get("KFFLOW_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
WORKFLOWS_PATH = PROJECT_ROOT / "workflows"
# A fixed clock for tests: decisions "now", due dates after it.
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
TEST_PASSWORD = "test-password-123"

ROLES = ("contributor", "owner", "council", "steering", "registrar", "admin")


@pytest.fixture(scope="session", autouse=True)
def _workflows():
    return configure(load_workflows(WORKFLOWS_PATH))


@pytest.fixture(scope="session", autouse=True)
def _api_dumps_checked_against_marshmallow():
    """Every API answer of the suite is also dumped by marshmallow itself; a difference fails the test."""
    from webui.api import dumping

    dumping.VERIFY = True
    yield
    dumping.VERIFY = False


@pytest.fixture(scope="session")
def password_hash() -> str:
    # argon2 is slow by design: hash the test password once per run.
    return hash_password(TEST_PASSWORD)


def _pg_url(dbname: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + dbname


@pytest.fixture(scope="session")
def pg_database_url(worker_id="master"):
    """A fresh PostgreSQL database for this run, dropped at the end."""
    admin = create_engine(PG_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://"),
                          isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("select 1"))
    except Exception as exc:  # noqa: BLE001 - any connection failure means the same here
        admin.dispose()
        message = f"PostgreSQL at {PG_ADMIN_URL} does not answer: {exc.__class__.__name__}"
        if IN_CI:
            pytest.fail(message + " (CI=true: postgres tests must run)")
        pytest.skip(message)
    name = f"kfflow_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = _pg_url(name)
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    Base.metadata.create_all(engine)
    with engine.begin() as conn:
        from kfflow.jobs.queue import create_queue_schema
        create_queue_schema(conn)  # the job queue's tables (migration 0002 makes them in production)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'kfflow.sqlite'}"
        engine = create_engine(url)
        Base.metadata.create_all(engine)
        engine.dispose()
        return url
    url = request.getfixturevalue("pg_database_url")
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    tables = ", ".join([f'"{t.name}"' for t in Base.metadata.sorted_tables] + ["procrastinate_jobs"])
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return url


@pytest.fixture
def database(db_url):
    db = Database.connect(db_url)
    yield db
    db.dispose()


@pytest.fixture
def session(database):
    with database.session() as s:
        yield s


@pytest.fixture
def make_user(session, password_hash):
    from kfflow.services.users import create_user

    def make(username: str, role: str, **kw):
        kw.setdefault("email", f"{username}@example.org")
        return create_user(session, None, username=username, role=role, password_hash=password_hash, **kw)
    return make


@pytest.fixture
def users(make_user) -> dict:
    """One active user per role, keyed by role; plus a second owner who owns nothing."""
    made = {role: make_user(role, role, display_name=f"Test {role}") for role in ROLES}
    made["other_owner"] = make_user("other_owner", "owner", display_name="Annan ansvarig")
    return made


@pytest.fixture
def settings(tmp_path, db_url) -> Settings:
    return Settings(instance_path=tmp_path / "instance", database_url=db_url, workflows_path=WORKFLOWS_PATH,
                    secret_key="test-secret-key-not-for-production")


@pytest.fixture
def invoke(settings):
    """Run a `kfflow` command against the test database, as the shell would."""
    from click.testing import CliRunner

    from kfflow.cli import main

    def run(*args):
        env = {"KFFLOW_DATABASE_URL": settings.database_url, "KFFLOW_INSTANCE": str(settings.instance_path)}
        return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    return run


@pytest.fixture
def app(settings, database):
    from tests.web_support import CsrfClient
    from webui import create_app

    app = create_app(settings, database=database, config={"TESTING": True, "WTF_CSRF_ENABLED": True})
    app.test_client_class = CsrfClient
    yield app
    app.extensions["kfflow_jobs"].stop()  # the embedded job worker, when a test started it


@pytest.fixture
def client(app):
    return app.test_client()


def future(days: int = 30) -> date:
    return NOW.date() + timedelta(days=days)


# --- reminders (issue 6): a real SMTP server on loopback -----------------------------------------

class _SmtpInbox:
    """Messages received by the aiosmtpd server, parsed."""

    def __init__(self):
        self.messages = []
        self.refuse: dict[str, str] = {}  # recipient address → the server's answer, e.g. "550 5.1.1 okänd"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        import email
        import email.policy

        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"

    def to(self, address: str) -> list:
        return [m for rcpt, m in self.messages if address in rcpt]


@pytest.fixture
def smtp_server():
    """A real SMTP server (aiosmtpd) on a free loopback port; `.url` is for KFFLOW_SMTP_URL."""
    import socket

    from aiosmtpd.controller import Controller

    inbox = _SmtpInbox()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    inbox.port = port
    inbox.url = f"smtp://127.0.0.1:{port}"
    yield inbox
    controller.stop()


@pytest.fixture
def api(client, session):
    """A JSON API client with a token per username (see tests/api_support.py)."""
    from tests.api_support import Api

    return Api(client, session)


# --- web interface (webui): the app as production runs it --------------------------------------------

@pytest.fixture
def make_web_app(settings, database):
    """create_app with CSRF enforced, as in production; its test clients send the token a page gave them
    (tests/web_support.py CsrfClient). `settings_changes` change Settings fields (e.g. trusted_proxies)."""
    from tests.web_support import CsrfClient
    from webui import create_app

    def make(settings_changes: dict | None = None, **config):
        if "csrf" in config:
            raise TypeError("CSRF is always enforced in the test app; its clients send the token (CsrfClient), "
                            "and app.test_client(send_csrf=False) forges a post without it")
        app = create_app(settings.model_copy(update=settings_changes or {}), database=database,
                         config={"TESTING": True, "WTF_CSRF_ENABLED": True, **config})
        app.test_client_class = CsrfClient
        made.append(app)
        return app
    made = []
    yield make
    for app in made:
        app.extensions["kfflow_jobs"].stop()  # the embedded job worker, when a test started it
