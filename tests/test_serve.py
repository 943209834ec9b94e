"""`kfflow serve` as an operator runs it: gunicorn with two workers, JSON logs read back from the real output."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from kfflow.database import Database
from kfflow.security import hash_password

KFFLOW = str(Path(sys.executable).parent / "kfflow")
SMTP_PASSWORD = "smtp-pass-never-logged"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, headers: dict | None = None) -> tuple[int, dict, str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode()


def _healthz_count(base: str) -> float:
    body = _get(base + "/metrics")[2]
    prefix = 'kfflow_http_request_duration_seconds_count{method="GET",route="/healthz",status="200"}'
    return sum(float(line.rsplit(" ", 1)[1]) for line in body.splitlines() if line.startswith(prefix))


def test_served_logs_are_json_with_request_ids_and_carry_no_secrets(tmp_path):
    from kfflow.services.calendar import issue_calendar_token
    from kfflow.services.tokens import issue_token
    from kfflow.services.users import create_user

    url = f"sqlite:///{tmp_path / 'kf.sqlite'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KFFLOW_", "PROMETHEUS_"))}
    env.update(KFFLOW_INSTANCE=str(tmp_path / "instance"), KFFLOW_DATABASE_URL=url, KFFLOW_LOG_FORMAT="json",
               KFFLOW_LOG_LEVEL="INFO", KFFLOW_SECRET_KEY="serve-test-secret-key-0123456789",
               KFFLOW_SMTP_URL=f"smtp://kfflow:{SMTP_PASSWORD}@127.0.0.1:1")
    assert subprocess.run([KFFLOW, "db", "upgrade"], env=env, capture_output=True, timeout=120).returncode == 0
    db = Database.connect(url)
    with db.session() as session:
        owner = create_user(session, None, username="olga", role="owner", email="olga@example.org",
                            password_hash=hash_password("olga-password-123"))
        calendar_token = issue_calendar_token(session, owner)
        api_token = issue_token(session, "olga", "olga-password-123").token
    db.dispose()

    port = _free_port()
    out, err = tmp_path / "stdout.log", tmp_path / "stderr.log"
    with open(out, "w") as stdout, open(err, "w") as stderr:
        proc = subprocess.Popen([KFFLOW, "serve", "--port", str(port), "--workers", "2"], env=env,
                                stdout=stdout, stderr=stderr)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                if _get(base + "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError(err.read_text())

        status, headers, body = _get(f"{base}/kalender/{calendar_token}.ics")
        assert status == 200 and "BEGIN:VCALENDAR" in body
        feed_request_id = headers["X-Request-ID"]
        assert _get(f"{base}/api/v1/measures", {"Authorization": f"Bearer {api_token}",
                                                "X-Request-ID": "from-the-proxy-42"})[0] == 200
        _get(f"{base}/api/v1/measures?access_token={api_token}")  # a client that puts its token in the URL
        assert _get(f"{base}/kalender/{calendar_token}x.ics")[0] == 404

        # Metrics add up over both workers (prometheus-client's multiprocess mode).
        before = _healthz_count(base)
        for _ in range(20):
            assert _get(base + "/healthz")[0] == 200
        assert _healthz_count(base) - before == 20
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)

    logs = out.read_text() + err.read_text()
    for secret in (calendar_token, api_token, SMTP_PASSWORD):
        assert secret not in logs
    records = [json.loads(line) for line in logs.splitlines() if line.startswith("{")]
    assert records and all({"time", "level", "logger", "message", "request_id"} <= set(r) for r in records)
    access = [r for r in records if r["logger"] == "gunicorn.access"]
    feed = [r for r in access if r["path"].startswith("/kalender/")]
    assert feed[0]["path"] == "/kalender/[REDACTED].ics" and feed[0]["status"] == "200"
    assert feed[0]["request_id"] == feed_request_id and len(feed_request_id) == 32
    api = [r for r in access if r["path"].startswith("/api/v1/measures")]
    assert api[0]["request_id"] == "from-the-proxy-42"
    assert api[1]["path"] == "/api/v1/measures?access_token=[REDACTED]"
