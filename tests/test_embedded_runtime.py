"""The embedded default as `make run` starts it: `kfflow serve` on SQLite with two gunicorn workers and
nothing else. Reminders are swept inside the served app by one leader (the other worker waits as standby),
and a report requested over the API is made by the web process's own job worker."""
from __future__ import annotations

import time

import requests

from kfflow.database import Database
from kfflow.migrate import upgrade
from kfflow.services.tokens import grant_token
from kfflow.services.users import create_user
from tests.deploy_support import KFFLOW, Process, clean_env, free_port, stop_all, wait_ready, wait_until
from tests.test_two_nodes_deployment import _decided_measure_due_in


def test_make_run_sweeps_reminders_once_and_runs_report_jobs_in_the_web_process(tmp_path, smtp_server,
                                                                                password_hash):
    instance = tmp_path / "instance"
    instance.mkdir()
    url = f"sqlite:///{instance / 'kfflow.sqlite'}"
    upgrade(url)
    db = Database.connect(url)
    with db.session() as session:
        users = {role: create_user(session, None, username=role, role=role, email=f"{role}@example.org",
                                   display_name=f"Test {role}", password_hash=password_hash)
                 for role in ("contributor", "steering", "owner")}
        _decided_measure_due_in(session, users, 3, "Förmånsportal, införande")
        token = grant_token(session, users["owner"]).token
    db.dispose()

    port = free_port()
    node = Process("node", [KFFLOW, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"],
                   clean_env(KFFLOW_INSTANCE=str(instance), KFFLOW_SMTP_URL=smtp_server.url,
                             KFFLOW_LOG_LEVEL="INFO"), tmp_path)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(node, base)
        # The sweep runs at start-up inside the served app: the owner's reminder arrives, from one leader.
        wait_until(lambda: smtp_server.to("owner@example.org"), 30, f"the reminder mail\n{node.output}")
        wait_until(lambda: "waiting as standby" in node.output, 30, f"the other worker to wait\n{node.output}")

        headers = {"Authorization": f"Bearer {token}"}
        asked = requests.get(f"{base}/api/v1/reports/slutredovisning.pdf", headers=headers, timeout=30)
        assert asked.status_code == 202, asked.text
        job_url = base + asked.headers["Location"]
        job = wait_until(lambda: (lambda j: j if j["state"] in ("done", "failed") else None)(
            requests.get(job_url, headers=headers, timeout=10).json()), 60, "the report job")
        assert job["state"] == "done" and job["progress"] == 100, job
        result = requests.get(base + job["result_url"], headers=headers, timeout=30)
        assert result.status_code == 200 and result.content.startswith(b"%PDF")

        time.sleep(1)
        assert len(smtp_server.to("owner@example.org")) == 1  # two web processes, one sweep's mail
    finally:
        stop_all([node])
