"""The spreadsheet import over the API: upload → preview naming the stored file → confirm, on any node, with the
page's limits and Swedish reports; the same services as the page (tests/test_web_imports.py)."""
from __future__ import annotations

import io

from sqlalchemy import func, select

from kfflow.importing.readers import MAX_FILE_BYTES
from kfflow.models import Measure, StoredFile
from tests.api_support import Api
from tests.jobs_support import api_job_done
from tests.test_web_imports import GOOD, xlsx_bytes


def _upload(api, data: bytes, name="plan.xlsx", as_user="registrar", **form):
    return api.call("POST", "/imports", {"file": (io.BytesIO(data), name), **form}, as_user=as_user, multipart=True)


def _counts(session) -> tuple[int, int]:
    session.rollback()
    return (session.scalar(select(func.count()).select_from(Measure)),
            session.scalar(select(func.count()).select_from(StoredFile)))


def test_a_preview_names_the_stored_file_and_another_node_confirms_it(api, session, users, make_web_app):
    status, preview = _upload(api, xlsx_bytes(GOOD))
    assert status == 201, preview
    assert preview["imported"] is False and preview["counts"] == {"created": 3, "updated": 0, "differing": 0,
                                                                 "unchanged": 0}
    assert [r["title"] for r in preview["created"]] == [g[0] for g in GOOD] and preview["upload"] > 0
    assert _counts(session) == (0, 1), "a preview keeps the file and writes nothing else"

    other_node = Api(make_web_app().test_client(), session)
    other_node.tokens = api.tokens  # the same token, checked against the same database
    path = f"/imports/{preview['upload']}"
    wrong = ("0" if preview["sha256"][0] != "0" else "1") + preview["sha256"][1:]
    status, refused = other_node.call("POST", path, {"sha256": wrong}, as_user="registrar")
    assert status == 422 and "inget har sparats" in refused["error"]["message"]
    status, stranger = other_node.call("POST", path, {"sha256": preview["sha256"]}, as_user="steering")
    assert status == 422 and "ingen förhandsgranskad fil" in stranger["error"]["message"]
    assert _counts(session) == (0, 1)

    status, job = other_node.call("POST", path, {"sha256": preview["sha256"]}, as_user="registrar")
    assert status == 202 and job["kind"] == "import", job  # the import is a job; its outcome says what it did
    done = api_job_done(other_node, job, "registrar")
    assert done["state"] == "done" and done["result_url"] is None
    assert done["outcome"]["created"] == 3 and len(done["outcome"]["created_measures"]) == 3
    assert _counts(session) == (3, 0), "imported, and the upload is used up"
    status, again = other_node.call("POST", path, {"sha256": preview["sha256"]}, as_user="registrar")
    assert status == 422 and _counts(session) == (3, 0)


def test_a_bad_row_is_reported_by_row_and_column_and_the_file_is_not_kept(api, session, users):
    status, body = _upload(api, xlsx_bytes(GOOD + [("Nattransportörer", "Okänd kategori", "")]))
    assert status == 422
    assert "har 1 fel; inget har sparats" in body["error"]["message"]
    assert "rad 5, kolumn Kategori" in body["error"]["fields"]["file"]
    assert _counts(session) == (0, 0)


def test_the_upload_limits_and_refusals_are_the_page_s_in_swedish(api, session, users):
    # The body by hand: Werkzeug's builder would spool it to a temporary file the refused request never closes.
    boundary = "kfflowgrans"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="stor.csv"\r\n'
            f'Content-Type: text/csv\r\n\r\n').encode() + b"x" * (MAX_FILE_BYTES + 100 * 1024) \
        + f"\r\n--{boundary}--\r\n".encode()
    response = api.client.post("/api/v1/imports", data=body, content_type=f"multipart/form-data; boundary={boundary}",
                               headers={"Authorization": f"Bearer {api.token('registrar')}"})
    assert response.status_code == 413
    assert response.get_json()["error"]["message"] == "Filen är för stor. Högst 10 MB kan läsas in; dela upp filen."
    status, body = _upload(api, b"%PDF-1.4", name="plan.pdf")
    assert status == 422 and "Spara filen som .xlsx eller .csv" in body["error"]["fields"]["file"]
    status, body = api.call("POST", "/imports", {"update": "true"}, as_user="registrar", multipart=True)
    assert status == 422 and body["error"]["fields"] == {"file": "Välj en fil att läsa in."}
    status, body = api.call("POST", "/imports", {"file": "plan.xlsx"}, as_user="registrar")
    assert status == 422 and "multipart/form-data" in body["error"]["message"]
    status, body = _upload(api, xlsx_bytes(GOOD), update="kanske")
    assert status == 422 and "update" in body["error"]["fields"]
    status, body = _upload(api, xlsx_bytes(GOOD), as_user="contributor")
    assert status == 403
    assert _counts(session) == (0, 0)


def test_the_update_option_shows_what_would_change(api, session, users):
    from kfflow.services.measures import propose_measure

    propose_measure(session, users["contributor"], {"title": GOOD[0][0], "category": "retain",
                                                    "description": "Gammal text."})
    status, preview = _upload(api, xlsx_bytes(GOOD[:1]))
    assert status == 201 and preview["counts"]["differing"] == 1 and preview["updated"] == []
    status, preview = _upload(api, xlsx_bytes(GOOD[:1]), update="true")
    [changed] = preview["updated"]
    assert changed["changes"]["description"] == {"from": "Gammal text.", "to": GOOD[0][2]}
    status, job = api.call("POST", f"/imports/{preview['upload']}", {"sha256": preview["sha256"], "update": True},
                           as_user="registrar")
    assert status == 202
    done = api_job_done(api, job, "registrar")
    assert done["outcome"]["updated"] == 1 and done["outcome"]["updated_measures"][0]["changes"] == ["description"]
    session.rollback()
    assert session.scalar(select(Measure.description)) == GOOD[0][2]
