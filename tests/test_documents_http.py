"""The document routes of the API: thin wrappers over the services, behind the API's bearer tokens."""
import hashlib

import pytest

from kfflow.models import User
from kfflow.services.documents import register_yttrande
from kfflow.services.tokens import grant_token
from kfflow.services.users import set_active

from tests.audit_factories import answered_audit, decide
from tests.conftest import NOW
from tests.jobs_support import run_waiting_jobs
from tests.pdf_checks import embedded_json, text


class TokenClient:
    """A test client that turns `X-Test-User: name` into that user's real bearer token."""

    def __init__(self, app, session):
        self.client, self.session, self.tokens = app.test_client(), session, {}

    def _headers(self, headers):
        name = (headers or {}).get("X-Test-User")
        if not name:
            return {}
        if name not in self.tokens:
            user = self.session.query(User).filter_by(username=name).one()
            self.tokens[name] = grant_token(self.session, user).token
        return {"Authorization": f"Bearer {self.tokens[name]}"}

    def get(self, url, headers=None):
        return self.client.get(url, headers=self._headers(headers))

    def post(self, url, headers=None):
        return self.client.post(url, headers=self._headers(headers))


@pytest.fixture
def client(app, session):
    return TokenClient(app, session)


@pytest.fixture
def api(client):

    def get(url, user="contributor"):
        return client.get(url, headers={"X-Test-User": user} if user else {})
    return get


def test_yttrande_pdf_is_a_draft_then_the_registered_version(session, users, api, settings):
    audit, _ = answered_audit(session, users)
    response = api(f"/api/v1/audits/{audit.id}/yttrande.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    assert "RS-351-2022-yttrande-utkast.pdf" in response.headers["Content-Disposition"]
    assert "UTKAST" in text(response.data)

    decide(session, users, audit)
    record = register_yttrande(session, users["registrar"], audit.id, now=NOW)
    response = api(f"/api/v1/audits/{audit.id}/yttrande.pdf", user="owner")
    assert response.status_code == 200
    assert hashlib.sha256(response.data).hexdigest() == record.sha256 == response.headers["X-Document-SHA256"]
    assert embedded_json(response.data)["draft"] is False


def test_yttrande_docx(session, users, api):
    audit, _ = answered_audit(session, users)
    response = api(f"/api/v1/audits/{audit.id}/yttrande.docx", user="registrar")
    assert response.status_code == 200 and response.data[:2] == b"PK"
    assert response.mimetype.endswith("wordprocessingml.document")
    assert "attachment" in response.headers["Content-Disposition"]


def _report(api, app, url: str, **kw):
    """A report request answers 202 with a job; once the job has run, the report itself."""
    response = api(url, **kw)
    assert response.status_code == 202, response.get_json()
    run_waiting_jobs(app)
    response = api(url, **kw)
    assert response.status_code == 200
    return response


def test_reports(session, users, api, app):
    answered_audit(session, users)
    response = _report(api, app, "/api/v1/reports/delrapport.pdf?from=2026-02-01&to=2026-03-02&dnr=RS/351/2022")
    assert embedded_json(response.data)["period"] == {"from": "2026-02-01", "to": "2026-03-02"}
    response = api("/api/v1/reports/delrapport.pdf?from=2026-03-02")
    assert response.status_code == 422 and set(response.get_json()["error"]["fields"]) == {"to"}
    response = _report(api, app, "/api/v1/reports/slutredovisning.pdf", user="owner")
    assert "Slutredovisning" in text(response.data)


def test_errors_are_json(session, users, api):
    audit, _ = answered_audit(session, users)
    response = api(f"/api/v1/audits/{audit.id}/yttrande.pdf", user=None)
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthorized"
    response = api("/api/v1/audits/999999/yttrande.pdf")
    assert response.status_code == 404 and response.get_json()["error"]["message"] == "Granskningen finns inte."
    response = api("/api/v1/reports/slutredovisning.pdf", user=None)
    assert response.status_code == 401
    set_active(session, users["admin"], users["contributor"].id, False)
    response = api(f"/api/v1/audits/{audit.id}/yttrande.pdf", user="contributor")
    assert response.status_code == 401  # a deactivated user's token stops working at once


def test_register_over_http(session, users, client, settings, app):
    audit, _ = answered_audit(session, users)
    url = f"/api/v1/audits/{audit.id}/yttrande"
    response = client.post(url, headers={"X-Test-User": "registrar"})
    assert response.status_code == 422 and "först när beslutet" in response.get_json()["error"]["message"]
    decide(session, users, audit)
    assert client.post(url, headers={"X-Test-User": "steering"}).status_code == 403
    response = client.post(url, headers={"X-Test-User": "registrar"})
    assert response.status_code == 202 and response.get_json()["kind"] == "yttrande"  # registering is a job
    run_waiting_jobs(app)
    job = client.get(f"/api/v1/jobs/{response.get_json()['id']}", headers={"X-Test-User": "registrar"}).get_json()
    assert job["state"] == "done", job
    created = job["outcome"]
    assert (created["version"], created["document_number"]) == (1, 1)
    assert job["result_url"].endswith(f"/audits/{audit.id}/yttrande.pdf")
    pdf = client.get(job["result_url"], headers={"X-Test-User": "owner"})
    assert hashlib.sha256(pdf.data).hexdigest() == created["sha256"]
    listed = client.get(f"/api/v1/audits/{audit.id}/documents", headers={"X-Test-User": "owner"}).get_json()
    assert [(r["sha256"], r["generated_by"]) for r in listed] == [(created["sha256"], "registrar")]
    assert "RS-351-2022-0001-yttrande-v1.pdf" in pdf.headers["Content-Disposition"]
