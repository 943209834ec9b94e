"""The people who use kfflow, as locust users: `make loadtest` (benchmarks/loadtest.py) runs them against two nodes
behind Caddy for a fixed time. Each signs in on the web (a form with its CSRF token) and gets an API key, as the
region's staff and integrations do:

- steering (stina): browses the start page, the measure list, measures and audits; prioritises and decides
  proposed measures through the API (a 409 when another steering user got there first is expected); asks for the
  delrapport (202 and a job rendered by `kfflow worker`, or 200 when one made from the same data exists; 429 when
  the account already has as many reports under way as `KFFLOW_JOBS_PER_USER` allows: expected);
- owners (olle): read their measures and report progress on the web page's form (409 when stale: expected);
- a registrar (rut): reads the audit, previews the draft yttrande and registers the final one;
- an importer (rut): previews an .xlsx of three measures and confirms it, possibly on the other node.

Requests are named by page type (`page: measure`), so locust's statistics give a p95 per type. An expected 409
or 429 counts as a success in locust's figures and is tallied separately (KFFLOW_LOADTEST_TALLY names the JSON
file, with every failure and its time).
"""
from __future__ import annotations

import io
import json
import os
import random
import re
import threading
import time
from collections import Counter

import openpyxl
from locust import HttpUser, between, events, task

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')
SHA = re.compile(r'name="sha256" value="([0-9a-f]{64})"')
PASSWORD = "kfflow-{}"  # the demo accounts' published passwords (never in production: it refuses them)
DECIDED_AUDIT = int(os.environ.get("KFFLOW_LOADTEST_AUDIT", "2"))
EXPECTED = Counter()
FAILURES: list[tuple[float, str, str]] = []  # (wall-clock time, request name, error): the runner dates them
_lock = threading.Lock()


@events.request.add_listener
def _remember_failure(request_type, name, exception=None, **_kw):
    if exception is not None:
        with _lock:
            FAILURES.append((time.time(), f"{request_type} {name}", str(exception)[:200]))


@events.quitting.add_listener
def _write_tally(environment, **_kw):
    path = os.environ.get("KFFLOW_LOADTEST_TALLY")
    if path:
        with open(path, "w", encoding="utf-8") as fh:
            json.dump({"expected_409": dict(EXPECTED), "failures": FAILURES}, fh)


def _expect_conflict(response, name: str, expected: tuple[int, ...] = (409,)) -> None:
    """409 is the answer to a stale form or a decision someone else made first, 429 to one user asking for more
    reports at once than the per-user limit: both expected under load."""
    if response.status_code in expected:
        response.success()
        with _lock:
            EXPECTED[f"{name} ({response.status_code})"] += 1
    elif response.status_code >= 400:
        response.failure(f"{response.status_code}: {response.text[:200]}")


class Person(HttpUser):
    abstract = True
    username = ""

    def on_start(self):
        self.client.verify = os.environ.get("KFFLOW_LOADTEST_CA", True)
        # Flask-WTF checks the Referer of a form posted over HTTPS, as a browser sends it.
        self.client.headers["Referer"] = self.host + "/"
        page = self.client.get("/logga-in", name="page: sign-in")
        self.client.post("/logga-in", name="web: sign in",
                         data={"csrf_token": CSRF.search(page.text).group(1), "username": self.username,
                               "password": PASSWORD.format(self.username)})
        token = self.client.post("/api/v1/tokens", name="api: token",
                                 json={"username": self.username, "password": PASSWORD.format(self.username)})
        self.api = {"Authorization": f"Bearer {token.json()['token']}"}

    def measure_ids(self, **query) -> list[int]:
        listed = self.client.get("/api/v1/measures", params={"limit": 50, **query}, headers=self.api,
                                 name="api: measure list")
        return [m["id"] for m in listed.json()["items"]] if listed.ok else []

    def post_expecting_conflict(self, path: str, name: str, **kw) -> None:
        with self.client.post(path, name=name, catch_response=True, **kw) as response:
            _expect_conflict(response, name)

    def follow_job(self, response) -> None:
        """A 202's job, polled until it ends, then its result fetched."""
        job = {"state": "queued"}
        for _ in range(60):
            job = self.client.get(response.headers["Location"], headers=self.api, name="api: job").json()
            if job["state"] in ("done", "failed"):
                break
            time.sleep(1)
        if job.get("result_url"):
            self.client.get(job["result_url"], headers=self.api, name="api: report result")

    def form(self, path: str, name: str):
        page = self.client.get(path, name=name)
        return page, CSRF.search(page.text).group(1)


class Steering(Person):
    weight = 5
    wait_time = between(1, 3)
    username = "stina"

    @task(3)
    def browse(self):
        self.client.get("/", name="page: start")
        self.client.get("/atgarder", name="page: measure list")
        ids = self.measure_ids()
        if ids:
            self.client.get(f"/atgarder/{random.choice(ids)}", name="page: measure")

    @task(1)
    def audits(self):
        self.client.get("/granskningar", name="page: audit list")
        self.client.get(f"/granskningar/{DECIDED_AUDIT}", name="page: audit")

    @task(1)
    def delrapport(self):
        with self.client.get("/api/v1/reports/delrapport.pdf", params={"from": "2026-01-01", "to": "2026-12-31"},
                             headers=self.api, name="api: delrapport", catch_response=True) as response:
            _expect_conflict(response, "api: delrapport", expected=(429,))
        if response.status_code == 202:
            self.follow_job(response)

    @task(2)
    def decide(self):
        ids = self.measure_ids(state="proposed") or self.measure_ids(state="prioritised")
        if not ids:
            return
        measure = self.client.get(f"/api/v1/measures/{random.choice(ids)}", headers=self.api,
                                  name="api: measure").json()
        step = {"proposed": ("prioritise", {"priority": 2, "category": "retain", "expected_effect": "Färre slutar."}),
                "prioritised": ("decide", {"owner": "olle", "due_date": "2031-06-30", "decision_ref": "RS § 9"})}
        if measure.get("state") not in step:
            return
        trigger, fields = step[measure["state"]]
        self.post_expecting_conflict(f"/api/v1/measures/{measure['id']}/transitions", f"api: {trigger}",
                                     headers=self.api,
                                     json={"trigger": trigger, "version": measure["version"], **fields})


class Owner(Person):
    weight = 3
    wait_time = between(1, 3)
    username = "olle"

    @task
    def report_progress(self):
        ids = self.measure_ids(owner="olle", state="decided")
        if not ids:
            return
        measure_id = random.choice(ids)
        page, token = self.form(f"/atgarder/{measure_id}", "page: measure")
        version = VERSION.search(page.text)
        if not version:
            return
        self.post_expecting_conflict(f"/atgarder/{measure_id}/lagesrapport", "web: progress report",
                                     allow_redirects=False,
                                     data={"csrf_token": token, "version": version.group(1), "done": "Pilot klar.",
                                           "ongoing": "Breddinförande.", "planned": "Utvärdering."})


class Registrar(Person):
    weight = 1
    wait_time = between(3, 6)
    username = "rut"

    @task(2)
    def draft(self):
        self.client.get(f"/granskningar/{DECIDED_AUDIT}", name="page: audit")
        self.client.get(f"/granskningar/{DECIDED_AUDIT}/utkast.pdf", name="page: yttrande draft (PDF)")

    @task(1)
    def register(self):
        self.post_expecting_conflict(f"/api/v1/audits/{DECIDED_AUDIT}/yttrande", "api: register yttrande",
                                     headers=self.api)


def _workbook(rows: int = 3) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Åtgärd", "Kategori", "Beskrivning"])
    for _ in range(rows):
        ws.append([f"Lasttest {random.randrange(10**9)}", random.choice(["Behålla", "Rekrytera", "Utveckla"]),
                   "Från lasttestet."])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


class Importer(Person):
    weight = 1
    wait_time = between(5, 10)
    username = "rut"

    @task
    def import_measures(self):
        _page, token = self.form("/atgarder/importera", "page: import")
        preview = self.client.post("/atgarder/importera", name="web: import preview",
                                   data={"csrf_token": token}, files={"fil": ("plan.xlsx", _workbook())})
        sha = SHA.search(preview.text)
        if sha:
            self.client.post("/atgarder/importera/bekrafta", name="web: import confirm",
                             data={"csrf_token": CSRF.search(preview.text).group(1), "sha256": sha.group(1)})
