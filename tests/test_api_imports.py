"""Spreadsheet import over the API: the file as the body → the preview; confirm by its SHA-256 → a job that
imports it all or nothing; the same refusals as the upload page, told at once."""
from __future__ import annotations

from sqlalchemy import func, select

from kfflow.models import Measure, StoredFile

from tests.jobs_support import api_job_done
from tests.test_web_imports import GOOD, xlsx_bytes

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _send(api, as_user: str, data: bytes, query: str = "?filename=plan.xlsx"):
    response = api.client.post(f"/api/v1/imports{query}", data=data, content_type=XLSX,
                               headers={"Authorization": f"Bearer {api.token(as_user)}"})
    return response.status_code, response.get_json()


def _measures(session) -> int:
    session.rollback()
    return session.scalar(select(func.count(Measure.id)))


def test_a_file_is_previewed_then_confirmed_as_a_job_that_imports_it_once(api, session, users):
    status, preview = _send(api, "steering", xlsx_bytes(GOOD))
    assert status == 200, preview
    assert (preview["created"], preview["updated"], preview["differing"]) == (3, 0, 0) and _measures(session) == 0

    status, job = api.call("POST", f"/imports/{preview['upload_id']}", {"sha256": preview["sha256"]},
                           as_user="steering")
    assert status == 202 and job["kind"] == "import", job
    job = api_job_done(api, job, "steering")
    assert job["state"] == "done" and job["result_url"] is None
    assert (job["outcome"]["created"], job["outcome"]["file_name"]) == (3, "plan.xlsx")
    assert _measures(session) == 3
    # The upload is used up with the import: confirming again imports nothing twice.
    status, error = api.call("POST", f"/imports/{preview['upload_id']}", {"sha256": preview["sha256"]},
                             as_user="steering")
    assert status == 422 and "ingen förhandsgranskad fil" in error["error"]["message"] and _measures(session) == 3


def test_refusals_are_told_at_once_and_nothing_is_kept(api, session, users):
    bad = GOOD + [("Nattransportörer", "Okänd kategori", "")]
    status, error = _send(api, "registrar", xlsx_bytes(bad))
    assert status == 422 and "inget har sparats" in error["error"]["message"]
    assert "rad 5, kolumn Kategori" in error["error"]["fields"]["file"]
    session.rollback()
    assert session.scalar(select(func.count(StoredFile.id))) == 0
    assert _send(api, "owner", xlsx_bytes(GOOD))[0] == 403

    status, preview = _send(api, "registrar", xlsx_bytes(GOOD))
    other = ("0" if preview["sha256"][0] != "0" else "1") + preview["sha256"][1:]
    status, error = api.call("POST", f"/imports/{preview['upload_id']}", {"sha256": other}, as_user="registrar")
    assert status == 422 and "inte den som förhandsgranskades" in error["error"]["message"]
    # Someone else's upload is as if it did not exist.
    status, error = api.call("POST", f"/imports/{preview['upload_id']}", {"sha256": preview["sha256"]},
                             as_user="steering")
    assert status == 422 and _measures(session) == 0
