"""The production topology of docker/compose.yaml, as processes on loopback: Caddy (docker/Caddyfile) terminating
TLS in front of two `kfflow serve` nodes with separate instance folders on one PostgreSQL database, and two
`kfflow scheduler`s of which one leads. A browser moves between the nodes; then one node and the leading
scheduler are killed with SIGKILL, and nothing committed is lost and no reminder goes out twice.
"""
from __future__ import annotations

import hashlib
import subprocess
from collections import Counter
from types import SimpleNamespace
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import requests
from sqlalchemy import func, select

from kfflow.config import PROJECT_ROOT
from kfflow.database import Database
from kfflow.models import Measure, OutboxMessage
from kfflow.models.sign_in_failure import SignInFailure
from kfflow.services.cases import fire
from kfflow.services.measures import propose_measure
from kfflow.services.tokens import grant_token
from kfflow.services.users import create_user

from tests.factories import SCORES
from tests.audit_factories import answered_audit, decide
from tests.conftest import ROLES, TEST_PASSWORD
from tests.deploy_support import (KFFLOW, Browser, Process, clean_env, free_port, fresh_pg_database,
                                  start_node, start_proxy, stop_all, wait_proxy, wait_ready,
                                  wait_until)
from tests.test_web_imports import GOOD, SHA, xlsx_bytes
from tests.web_support import csrf_token

SECRET_KEY = "one-key-for-every-node-0123456789abcdef"
METRICS_TOKEN = "metrics-token-for-the-test"
STOCKHOLM = ZoneInfo("Europe/Stockholm")


@pytest.fixture
def deployment(tmp_path, pg_database_url, smtp_server, password_hash):
    """The database migrated by `kfflow db upgrade` (the compose file's `migrate` step), two nodes and Caddy
    started while the test seeds the data, then two schedulers. Every process is stopped afterwards."""
    processes: list[Process] = []
    with fresh_pg_database("kfflow_deploy") as url:
        https_port = free_port()
        env = clean_env(KFFLOW_ENV="production", KFFLOW_DATABASE_URL=url, KFFLOW_SECRET_KEY=SECRET_KEY,
                        KFFLOW_COOKIE_SECURE="1", KFFLOW_TRUSTED_PROXIES="1", KFFLOW_SMTP_URL=smtp_server.url,
                        KFFLOW_BASE_URL=f"https://127.0.0.1:{https_port}", KFFLOW_METRICS_TOKEN=METRICS_TOKEN,
                        KFFLOW_LOG_FORMAT="text", KFFLOW_INSTANCE=str(tmp_path / "migrate"))
        migrate = subprocess.run([KFFLOW, "db", "upgrade"], env=env, capture_output=True, text=True, timeout=120)
        assert migrate.returncode == 0, migrate.stderr
        db = Database.connect(url)
        try:
            nodes = [start_node(name, env, tmp_path) for name in ("node-a", "node-b")]
            processes += [node for node, _ in nodes]
            proxy, proxy_url, root_ca = start_proxy(tmp_path, https_port, [base for _, base in nodes])
            processes.append(proxy)

            with db.session() as session:
                users = {role: create_user(session, None, username=role, role=role, email=f"{role}@example.org",
                                           display_name=f"Test {role}", password_hash=password_hash)
                         for role in ROLES}
                audit, _ = answered_audit(session, users)  # its measures are long overdue: reminders are due
                decide(session, users, audit)
                tokens = {role: grant_token(session, users[role]).token for role in ("registrar", "owner")}
                audit_id = audit.id
            schedulers = [Process(name, [KFFLOW, "scheduler", "--interval", "600", "--standby-poll", "1"], env, tmp_path)
                          for name in ("scheduler-1", "scheduler-2")]
            processes += schedulers
            processes.append(Process("worker", [KFFLOW, "worker"], env, tmp_path))

            for node, base in nodes:
                wait_ready(node, base)
            wait_proxy(proxy, proxy_url, root_ca)
            yield SimpleNamespace(url=url, db=db, env=env, tmp=tmp_path, users=users, tokens=tokens,
                                  audit_id=audit_id, nodes=nodes, schedulers=schedulers, proxy_url=proxy_url,
                                  root_ca=str(root_ca), smtp=smtp_server)
        finally:
            stop_all(processes)
            db.dispose()


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _decided_measure_due_in(session, users, days: int, title: str) -> Measure:
    """A measure decided today (real time: the schedulers sweep at the real now) with a due date `days` ahead."""
    now = datetime.now(timezone.utc)
    due = (now.astimezone(STOCKHOLM).date() + timedelta(days=days)).isoformat()
    measure = propose_measure(session, users["contributor"], {"title": title}, now=now)
    fire(session, users["steering"], measure, "prioritise",
         {"priority": 1, "category": "retain", "expected_effect": "Färre slutar.", "scores": SCORES}, now=now)
    fire(session, users["steering"], measure, "decide",
         {"owner": users["owner"].username, "due_date": due, "decision_ref": "RS § 12"}, now=now)
    return measure


def _outbox_waiting(db) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(OutboxMessage)
                              .where(OutboxMessage.status.in_(("pending", "sending"))))


def _sweeps(process: Process) -> int:
    return process.output.count(" svep: ")


def test_two_nodes_behind_tls_share_sessions_documents_and_previews_and_survive_kill_9(deployment):
    d = deployment
    (node_a, base_a), (node_b, base_b) = d.nodes

    # The proxy: TLS with HSTS, and the production nodes set their session cookie Secure.
    through_proxy = Browser(d.proxy_url, verify=d.root_ca)
    page = through_proxy.get("/logga-in")
    assert page.status_code == 200
    assert page.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"  # once, the proxy's
    # A client cannot choose the address its failed sign-ins count against by sending X-Forwarded-For through
    # the proxy (Caddy sets the header afresh; the nodes believe only that one hop).
    refused = through_proxy.post("/logga-in", headers={"X-Forwarded-For": "203.0.113.9"},
                                 data={"csrf_token": csrf_token(page.text), "username": "steering", "password": "x"})
    assert refused.status_code == 401
    with d.db.session() as session:
        assert session.scalars(select(SignInFailure.address)).all() == ["127.0.0.1"]
    signed_in = through_proxy.sign_in("steering", TEST_PASSWORD)
    assert signed_in.status_code == 302, signed_in.text
    assert all("Secure" in c and "HttpOnly" in c for c in signed_in.raw.headers.getlist("Set-Cookie"))

    # A session made on node A is valid on node B: one secret key, sessions in the database.
    browser = Browser(base_a)
    assert browser.sign_in("registrar", TEST_PASSWORD).status_code == 302
    assert browser.get("/").status_code == 200
    browser.base = base_b
    start = browser.get("/")
    assert start.status_code == 200 and "Test registrar" in start.text

    # An import previewed on node A is confirmed on node B.
    browser.base = base_a
    form = browser.get("/atgarder/importera")
    token = csrf_token(form.text)
    preview = browser.post("/atgarder/importera", data={"csrf_token": token},
                           files={"fil": ("plan.xlsx", xlsx_bytes(GOOD))})
    assert preview.status_code == 200, preview.text
    browser.base = base_b
    asked = browser.post("/atgarder/importera/bekrafta",
                         data={"csrf_token": csrf_token(preview.text), "sha256": SHA.search(preview.text).group(1)})
    assert asked.status_code == 303, asked.text  # a job, imported by `kfflow worker`; its page waits for it
    confirmed = wait_until(lambda: (page := browser.get(asked.headers["Location"])).status_code == 200
                           and "Importen är klar" in page.text and page, 60, "the import job")
    assert "3 skapade" in confirmed.text, confirmed.text

    # A document registered on node A downloads from node B with the bytes the register hashed.
    created = requests.post(f"{base_a}/api/v1/audits/{d.audit_id}/yttrande", headers=_bearer(d.tokens["registrar"]),
                            timeout=60)
    assert created.status_code == 202, created.text  # registered by `kfflow worker`, followed on node B
    registered = wait_until(lambda: (j := requests.get(base_b + created.headers["Location"], timeout=10,
                                                       headers=_bearer(d.tokens["registrar"])).json())["state"]
                            in ("done", "failed") and j, 60, "the registration job")
    assert registered["state"] == "done", registered
    record = registered["outcome"]
    pdf = requests.get(f"{base_b}/api/v1/audits/{d.audit_id}/yttrande.pdf", headers=_bearer(d.tokens["owner"]),
                       timeout=30)
    assert pdf.status_code == 200 and hashlib.sha256(pdf.content).hexdigest() == record["sha256"]

    # A report asked of node A is a job: 202 there, followed and fetched on node B, rendered by `kfflow worker`.
    asked = requests.get(f"{base_a}/api/v1/reports/delrapport.pdf", params={"from": "2026-01-01", "to": "2026-12-31"},
                         headers=_bearer(d.tokens["owner"]), timeout=30)
    assert asked.status_code == 202, asked.text
    job_url = asked.headers["Location"]
    job = wait_until(lambda: (j := requests.get(base_b + job_url, headers=_bearer(d.tokens["owner"]), timeout=10)
                              .json())["state"] in ("done", "failed") and j, 60, "the report job")
    assert job["state"] == "done", job
    report = requests.get(base_b + job["result_url"], headers=_bearer(d.tokens["owner"]), timeout=30)
    assert report.status_code == 200 and report.content.startswith(b"%PDF")

    # Neither node wrote shared state to its own disk.
    for name in ("node-a", "node-b"):
        assert not [p for p in (d.tmp / name).rglob("*") if p.is_file()], f"{name} wrote to its own disk"

    # Two schedulers: one leads and sweeps at once (the audit's measures are overdue: mails go out), one waits.
    schedulers = d.schedulers
    leader = wait_until(lambda: next((s for s in schedulers if _sweeps(s)), None), 60, "a scheduler's first sweep")
    standby = next(s for s in schedulers if s is not leader)
    wait_until(lambda: "standby" in standby.output, 60, "the other scheduler to wait as standby")
    # The sweep queued the mail; the worker's delivery job sends it.
    wait_until(lambda: d.smtp.messages and _outbox_waiting(d.db) == 0, 60, "the worker to deliver the mail")
    first_wave = len(d.smtp.messages)
    assert first_wave > 0 and _sweeps(standby) == 0

    # A reminder becomes due after the leader's sweep; then the leader and node A die with SIGKILL.
    with d.db.session() as session:
        users = {role: session.merge(user) for role, user in d.users.items()}
        _decided_measure_due_in(session, users, 3, "Nytt schema för sommaren")
    leader.kill9()
    node_a.kill9()

    # The proxy sends everything to node B; the browser's session, the imported measures and the
    # registered document are all there.
    for _ in range(10):
        assert through_proxy.get("/").status_code == 200
    assert browser.get("/").status_code == 200
    after = requests.get(f"{d.proxy_url}/api/v1/audits/{d.audit_id}/yttrande.pdf", verify=d.root_ca,
                         headers=_bearer(d.tokens["owner"]), timeout=30)
    assert hashlib.sha256(after.content).hexdigest() == record["sha256"]
    with d.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Measure).where(Measure.title.in_([g[0] for g in GOOD]))) == 3

    # The standby takes the lock when the leader's connection dies, sweeps at once, and the worker sends only the
    # new one.
    wait_until(lambda: _sweeps(standby), 40, f"the standby to take over\n{standby.output}")
    wait_until(lambda: len(d.smtp.messages) > first_wave, 20, "the new reminder")
    sent = Counter((tuple(rcpt), m["Subject"]) for rcpt, m in d.smtp.messages)
    assert max(sent.values()) == 1, f"sent twice: {[k for k, n in sent.items() if n > 1]}"
    assert len(d.smtp.messages) == first_wave + 1
    assert "Nytt schema för sommaren" in d.smtp.messages[-1][1]["Subject"]
