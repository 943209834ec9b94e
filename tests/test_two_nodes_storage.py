"""Two nodes with their own instance folders on one database: what one stores, the other serves.

A browser previews an import on node A and confirms it on node B; an yttrande registered through node A
downloads from node B with the bytes the register hashed. Neither node writes to its own disk.
"""
from __future__ import annotations

import hashlib
import io
import re

import pytest
from sqlalchemy import func, select

from kfflow.config import Settings
from kfflow.models import Measure, StoredFile
from kfflow.services.tokens import grant_token

from tests.audit_factories import answered_audit, decide
from tests.conftest import WORKFLOWS_PATH
from tests.jobs_support import run_waiting_jobs
from tests.test_web_imports import GOOD, SHA, xlsx_bytes
from tests.web_support import CsrfClient, csrf_token, sign_in


@pytest.fixture
def nodes(tmp_path, db_url):
    """Two apps, as two machines behind a load balancer: one secret key, one database, separate disks."""
    from webui import create_app

    apps = []
    for name in ("a", "b"):
        settings = Settings(instance_path=tmp_path / f"node-{name}", database_url=db_url,
                            workflows_path=WORKFLOWS_PATH, secret_key="one-key-for-every-node")
        app = create_app(settings, config={"TESTING": True, "WTF_CSRF_ENABLED": True})
        app.test_client_class = CsrfClient  # a browser: posts its forms with the token its pages gave it
        apps.append(app)
    yield apps
    for app in apps:
        app.extensions["kfflow_db"].dispose()


def _move_browser(source, target) -> None:
    """The load balancer sends the same browser (its cookies) to the other node."""
    target.set_cookie("session", source.get_cookie("session").value)


def _own_disk_files(nodes) -> list:
    return [p for app in nodes for p in app.config["KFFLOW_SETTINGS"].instance_path.rglob("*") if p.is_file()]


def test_an_import_previewed_on_one_node_is_confirmed_on_the_other(nodes, session, users):
    node_a, node_b = nodes
    browser_a = sign_in(node_a, session, users["registrar"])
    page = browser_a.post("/atgarder/importera", content_type="multipart/form-data",
                          data={"fil": (io.BytesIO(xlsx_bytes(GOOD)), "plan.xlsx")})
    assert page.status_code == 200, page.get_data(as_text=True)
    body = page.get_data(as_text=True)
    sha = SHA.search(body).group(1)

    browser_b = node_b.test_client()
    _move_browser(browser_a, browser_b)
    asked = browser_b.post("/atgarder/importera/bekrafta", data={"csrf_token": csrf_token(body), "sha256": sha})
    assert asked.status_code == 303, asked.get_data(as_text=True)  # the import is a job: its page waits for it
    run_waiting_jobs(node_b)
    done = browser_b.get(asked.headers["Location"])
    assert done.status_code == 200 and "3 skapade" in done.get_data(as_text=True), done.get_data(as_text=True)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Measure)) == 3
    assert session.scalar(select(func.count()).select_from(StoredFile)) == 0, "the confirmed upload is used up"
    assert _own_disk_files(nodes) == []


def test_a_document_registered_on_one_node_downloads_from_the_other(nodes, session, users):
    audit, _ = answered_audit(session, users)
    decide(session, users, audit)
    node_a, node_b = nodes
    registrar = {"Authorization": f"Bearer {grant_token(session, users['registrar']).token}"}
    owner = {"Authorization": f"Bearer {grant_token(session, users['owner']).token}"}
    created = node_a.test_client().post(f"/api/v1/audits/{audit.id}/yttrande", headers=registrar)
    assert created.status_code == 202, created.get_data(as_text=True)
    run_waiting_jobs(node_a)
    job = node_b.test_client().get(created.headers["Location"], headers=registrar).get_json()
    assert job["state"] == "done", job
    record = job["outcome"]

    pdf = node_b.test_client().get(f"/api/v1/audits/{audit.id}/yttrande.pdf", headers=owner)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert hashlib.sha256(pdf.data).hexdigest() == record["sha256"] == pdf.headers["X-Document-SHA256"]
    assert int(pdf.headers["Content-Length"]) == record["size"] == len(pdf.data)
    assert re.search(r'filename=RS-351-2022-0001-yttrande-v1\.pdf', pdf.headers["Content-Disposition"])
    assert (pdf.headers["Cache-Control"], pdf.headers["X-Content-Type-Options"]) == ("no-store", "nosniff")
    assert _own_disk_files(nodes) == []
