"""Evidence files (underlag): on a progress report and on `implement`/`evaluate`, through the service, the pages
and the API; type from the bytes, extension agreeing, size limit, nothing written on refusal; listed in the
history, downloadable with a safe name, in the archive package and in the person export."""
from __future__ import annotations

import hashlib
import io
import re
import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import func, select

from kfflow.archive import CASE_NS, METS_NS, XLINK_NS, verify_packages
from kfflow.errors import ValidationError
from kfflow.evidence import DOCX, JPEG, ODT, PDF, PNG, XLSX, Upload, check_upload, safe_filename, sniff
from kfflow.models import Attachment, HistoryEntry, ProgressReport, StoredFile
from kfflow.services.cases import fire
from kfflow.services.evidence import attachments_of, read_attachment
from kfflow.services.history import verify_history
from kfflow.services.measures import add_progress_report

from tests.conftest import NOW
from tests.evidence_files import (GOOD, docm_bytes, docx_bytes, image_bytes, odt_bytes, pdf_bytes, plain_zip_bytes,
                                  xlsx_bytes)
from tests.factories import measure_in_state
from tests.web_support import sign_in

ODD_NAME = 'Beslut "RS" 2023\n§ 81 – åäö ÅÄÖ 🙂 ﬁ.pdf'
# As a browser (the HTML standard) or curl sends that name in a multipart part.
SENT_NAME = ODD_NAME.replace('"', "%22").replace("\n", "%0A")


# --- the checks, without a database ---------------------------------------------------------------

@pytest.mark.parametrize("name, make", GOOD.items())
def test_each_allowed_type_is_recognised_from_its_bytes(name, make):
    checked, problem = check_upload(Upload(name, make()))
    assert problem is None and checked.filename == name
    expected = {"pdf": PDF, "docx": DOCX, "xlsx": XLSX, "odt": ODT, "png": PNG, "jpg": JPEG, "jpeg": JPEG}
    assert checked.media_type == expected[name.rsplit(".", 1)[1].lower()]


@pytest.mark.parametrize("name, content, words", [
    ("tom.pdf", b"", "är tom"),
    ("skript.pdf", b"#!/bin/sh\nrm -rf /\n", "inte en fil av tillåten typ"),
    ("sida.pdf", b"<html><script>alert(1)</script></html>", "inte en fil av tillåten typ"),
    ("makro.docx", docm_bytes(), "inte en fil av tillåten typ"),
    ("arkiv.docx", plain_zip_bytes(), "inte en fil av tillåten typ"),
    ("kalkyl.odt", odt_bytes("application/vnd.oasis.opendocument.spreadsheet"), "inte en fil av tillåten typ"),
    ("trasig.docx", b"PK\x03\x04" + b"\0" * 100, "inte en fil av tillåten typ"),
    ("beslut.docx", pdf_bytes(), "filändelsen ska stämma"),
    ("bild.png", image_bytes("JPEG"), "filändelsen ska stämma"),
    ("kurslista.docx", xlsx_bytes(), "filändelsen ska stämma"),
    ("protokoll", docx_bytes(), "filändelsen ska stämma"),
])
def test_a_forbidden_empty_or_misnamed_file_is_refused_in_swedish(name, content, words):
    checked, problem = check_upload(Upload(name, content))
    assert checked is None and words in problem


def test_a_file_over_the_limit_is_refused_and_read_no_further():
    content = pdf_bytes() + b"\0" * 5000
    upload = Upload.read(io.BytesIO(content), "stor.pdf", limit=1000)
    assert len(upload.content) == 1001  # one byte past the limit is enough to know
    checked, problem = check_upload(upload)
    assert checked is None and "större än" in problem


def test_sniffing_never_trusts_the_name():
    assert sniff(docx_bytes()) == DOCX and sniff(xlsx_bytes()) == XLSX and sniff(odt_bytes()) == ODT
    assert sniff(b"%PDF") is None or sniff(b"%PDF") == PDF  # a header alone may pass: the name must still agree
    assert sniff(b"GIF89a" + b"\0" * 20) is None


@pytest.mark.parametrize("given, kept", [
    (ODD_NAME, 'Beslut "RS" 2023 § 81 – åäö ÅÄÖ 🙂 ﬁ.pdf'),
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("C:\\Users\\anna\\beslut.pdf", "beslut.pdf"),
    (".pdf", "underlag.pdf"),
    ("a\u202eexe.pdf", "a exe.pdf"),
    ("x" * 400 + ".pdf", "x" * 251 + ".pdf"),
    ("e\u0301.pdf", "é.pdf"),
])
def test_names_keep_what_people_wrote_but_nothing_unsafe(given, kept):
    assert safe_filename(given) == kept


# --- the service: stored with the report or the transition, or nothing --------------------------------

def _counts(session):
    return tuple(session.scalar(select(func.count()).select_from(t)) for t in (ProgressReport, HistoryEntry,
                                                                            StoredFile, Attachment))


def test_a_progress_report_keeps_its_files_with_their_hash_in_the_history(session, users):
    measure = measure_in_state(session, users, "decided")
    pdf, png = pdf_bytes(), image_bytes("PNG")
    report = add_progress_report(session, users["owner"], measure.id, done="Upphandlat.", ongoing=None, planned=None,
                                 attachments=[Upload(ODD_NAME, pdf), Upload("diagram.png", png)], now=NOW)
    files = attachments_of(session, "measure", measure.id)
    assert [(a.filename, a.media_type, a.size, a.progress_report_id, a.trigger) for a in files] == [
        (safe_filename(ODD_NAME), PDF, len(pdf), report.id, "report_progress"),
        ("diagram.png", PNG, len(png), report.id, "report_progress")]
    assert files[0].sha256 == hashlib.sha256(pdf).hexdigest()
    entry = session.scalar(select(HistoryEntry).where(HistoryEntry.id == files[0].history_entry_id))
    assert entry.trigger == "report_progress"
    assert entry.fields["evidence"] == [{"name": a.filename, "sha256": a.sha256} for a in files]
    assert verify_history(session).ok
    got = read_attachment(session, users["contributor"], files[0].id)
    assert got.content == pdf and got.filename == safe_filename(ODD_NAME)
    stored = session.get(StoredFile, session.get(Attachment, files[0].id).stored_file_id)
    assert stored.purpose == StoredFile.PURPOSE_EVIDENCE and stored.created_by_id == users["owner"].id


def test_files_alone_make_a_progress_report(session, users):
    measure = measure_in_state(session, users, "decided")
    add_progress_report(session, users["owner"], measure.id, done=None, ongoing=None, planned=None,
                        attachments=[Upload("kurslista.xlsx", xlsx_bytes())], now=NOW)
    assert len(attachments_of(session, "measure", measure.id)) == 1


@pytest.mark.parametrize("bad", [
    Upload("tom.pdf", b""), Upload("beslut.docx", pdf_bytes()), Upload("virus.pdf", b"MZ\x90\x00" + b"\0" * 60),
    Upload("stor.pdf", pdf_bytes() + b"\0" * 2000, limit=1000)])
def test_one_bad_file_and_nothing_is_written_not_even_the_report(session, users, bad):
    measure = measure_in_state(session, users, "decided")
    before, version = _counts(session), measure.version
    with pytest.raises(ValidationError) as refused:
        add_progress_report(session, users["owner"], measure.id, done="Gjort.", ongoing=None, planned=None,
                            expected_version=version, attachments=[Upload("ok.pdf", pdf_bytes()), bad], now=NOW)
    assert set(refused.value.fields) == {"attachments"}
    assert _counts(session) == before
    session.expire_all()
    assert measure.version == version


def test_more_files_than_allowed_are_refused(session, users):
    measure = measure_in_state(session, users, "decided")
    with pytest.raises(ValidationError) as refused:
        add_progress_report(session, users["owner"], measure.id, done="Gjort.", ongoing=None, planned=None,
                            attachments=[Upload(f"{i}.pdf", pdf_bytes()) for i in range(6)], now=NOW)
    assert "Högst 5 filer" in refused.value.fields["attachments"]


def test_implement_and_evaluate_take_files_and_other_transitions_refuse_them(session, users):
    measure = measure_in_state(session, users, "decided")
    fire(session, users["owner"], measure, "implement", {"implementation_note": "Klart."}, now=NOW,
         attachments=[Upload("protokoll.docx", docx_bytes())])
    fire(session, users["steering"], measure, "evaluate", {"evaluation": "Bra.", "effect": "achieved"}, now=NOW,
         attachments=[Upload("enkät.odt", odt_bytes())])
    assert [(a.trigger, a.progress_report_id) for a in attachments_of(session, "measure", measure.id)] == [
        ("implement", None), ("evaluate", None)]
    other = measure_in_state(session, users, "decided")
    before = _counts(session)
    with pytest.raises(ValidationError) as refused:
        fire(session, users["steering"], other, "reassign", {"owner": "other_owner", "reason": "Byte."}, now=NOW,
             attachments=[Upload("beslut.pdf", pdf_bytes())])
    assert "tar inte emot underlag" in refused.value.fields["attachments"]
    assert _counts(session) == before


def test_a_refused_file_on_a_transition_leaves_the_state_as_it_was(session, users):
    measure = measure_in_state(session, users, "decided")
    before = _counts(session)
    with pytest.raises(ValidationError) as refused:
        fire(session, users["owner"], measure, "implement", {"implementation_note": ""}, now=NOW,
             attachments=[Upload("beslut.png", pdf_bytes())])
    assert {"attachments", "implementation_note"} <= set(refused.value.fields)
    session.expire_all()
    assert measure.state == "decided" and _counts(session) == before


# --- pages ----------------------------------------------------------------------------------------

def test_the_web_form_uploads_lists_and_downloads_with_a_safe_header(app, session, users):
    measure = measure_in_state(session, users, "decided")
    owner = sign_in(app, session, users["owner"])
    page = owner.get(f"/atgarder/{measure.id}").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and 'name="attachments"' in page
    pdf = pdf_bytes()
    r = owner.post(f"/atgarder/{measure.id}/lagesrapport", data={
        "version": str(measure.version), "done": "Upphandlat.",
        "attachments": [(io.BytesIO(pdf), SENT_NAME), (io.BytesIO(image_bytes("JPEG")), "foto.jpg")]},
        content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)
    files = attachments_of(session, "measure", measure.id)
    page = sign_in(app, session, users["contributor"]).get(f"/atgarder/{measure.id}").get_data(as_text=True)
    assert f'/underlag/{files[0].id}"' in page and "Beslut &#34;RS&#34; 2023 § 81" in page
    assert "Underlag:" in page  # the history entry names the files

    download = sign_in(app, session, users["contributor"]).get(f"/underlag/{files[0].id}")
    assert download.status_code == 200 and download.data == pdf
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "\n" not in disposition and "\r" not in disposition
    assert "filename*=UTF-8''Beslut%20%22RS%22%202023%20%C2%A7%2081" in disposition
    assert app.test_client().get(f"/underlag/{files[0].id}").status_code in (302, 401)  # signed in only
    assert sign_in(app, session, users["contributor"]).get("/underlag/999999").status_code == 404


def test_a_bad_file_on_the_web_form_gets_its_message_on_the_field_and_nothing_is_saved(app, session, users):
    measure = measure_in_state(session, users, "decided")
    before = _counts(session)
    r = sign_in(app, session, users["owner"]).post(f"/atgarder/{measure.id}/lagesrapport", data={
        "version": str(measure.version), "done": "Gjort.",
        "attachments": [(io.BytesIO(pdf_bytes()), "beslut.xlsx")]}, content_type="multipart/form-data")
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert re.search(r'id="progress-attachments-error"[^>]*>.*filändelsen ska stämma', html, re.S)
    assert 'aria-invalid="true"' in html and "Gjort." in html  # the text is kept for the next try
    assert _counts(session) == before


def test_the_size_limit_comes_from_the_settings(make_web_app, session, users):
    """KFFLOW_EVIDENCE_MAX_MB: a file just over it gets the message on the field; a body far over every file's
    limit is refused before it is read (413); nothing is saved either way."""
    app = make_web_app({"evidence_max_mb": 0.05})  # 51,200 bytes a file
    measure = measure_in_state(session, users, "decided")
    owner = sign_in(app, session, users["owner"])
    before = _counts(session)
    over = pdf_bytes() + b"\0" * 60_000
    r = owner.post(f"/atgarder/{measure.id}/lagesrapport", data={
        "version": str(measure.version), "done": "Gjort.", "attachments": [(io.BytesIO(over), "stor.pdf")]},
        content_type="multipart/form-data")
    assert r.status_code == 422 and "större än 51 kB" in r.get_data(as_text=True)
    # Built by hand: the test client would spool a big body to a temporary file it never closes.
    boundary = "kfflowgrans"
    huge = (f'--{boundary}\r\nContent-Disposition: form-data; name="attachments"; filename="enorm.pdf"\r\n'
            f'Content-Type: application/pdf\r\n\r\n').encode() + b"\0" * (7 * 51_200 + 300 * 1024) \
        + f"\r\n--{boundary}--\r\n".encode()
    r = owner.post(f"/atgarder/{measure.id}/lagesrapport", data=huge,
                   content_type=f"multipart/form-data; boundary={boundary}")
    assert r.status_code == 413
    assert _counts(session) == before


def test_the_implement_form_takes_files(app, session, users):
    measure = measure_in_state(session, users, "decided")
    owner = sign_in(app, session, users["owner"])
    form = owner.get(f"/atgarder/{measure.id}/steg/implement").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in form and 'name="attachments"' in form
    assert 'name="attachments"' not in owner.get(f"/atgarder/{measure.id}/steg/revise_due_date").get_data(as_text=True)
    r = owner.post(f"/atgarder/{measure.id}/steg/implement", data={
        "version": str(measure.version), "implementation_note": "Klart.",
        "attachments": [(io.BytesIO(docx_bytes()), "protokoll.docx")]}, content_type="multipart/form-data")
    assert r.status_code == 302
    assert [a.trigger for a in attachments_of(session, "measure", measure.id)] == ["implement"]


def test_a_form_post_without_the_csrf_token_stores_nothing(app, session, users):
    measure = measure_in_state(session, users, "decided")
    before = _counts(session)
    r = sign_in(app, session, users["owner"], send_csrf=False).post(
        f"/atgarder/{measure.id}/lagesrapport", data={"version": str(measure.version), "done": "x",
                                                     "attachments": [(io.BytesIO(pdf_bytes()), "a.pdf")]},
        content_type="multipart/form-data")
    assert r.status_code == 400 and _counts(session) == before


# --- the API ---------------------------------------------------------------------------------------

def _multipart(api, path, fields, files, as_user):
    data = {**fields, "attachments": [(io.BytesIO(content), name) for name, content in files]}
    r = api.client.post("/api/v1" + path, data=data, content_type="multipart/form-data",
                        headers={"Authorization": f"Bearer {api.token(as_user)}"})
    return r.status_code, r.get_json(silent=True)


def test_the_api_takes_a_progress_report_with_files_as_multipart(api, session, users):
    measure = measure_in_state(session, users, "decided")
    pdf = pdf_bytes()
    status, body = _multipart(api, f"/measures/{measure.id}/progress",
                              {"version": str(measure.version), "done": "Upphandlat."}, [(SENT_NAME, pdf)], "owner")
    assert status == 201, body
    [attachment] = body["attachments"]
    assert attachment["filename"] == safe_filename(ODD_NAME) and attachment["sha256"] == hashlib.sha256(pdf).hexdigest()
    status, detail = api.call("GET", f"/measures/{measure.id}", as_user="contributor")
    assert detail["attachments"][0]["id"] == attachment["id"]
    assert detail["progress_reports"][0]["attachments"][0]["id"] == attachment["id"]

    r = api.client.get(f"/api/v1/attachments/{attachment['id']}",
                       headers={"Authorization": f"Bearer {api.token('contributor')}"})
    assert r.status_code == 200 and r.data == pdf and r.headers["Content-Type"] == "application/pdf"
    assert r.headers["X-Content-Type-Options"] == "nosniff" and r.headers["Content-Disposition"].startswith("attachment")
    assert r.headers["X-Document-SHA256"] == attachment["sha256"]
    assert api.client.get(f"/api/v1/attachments/{attachment['id']}").status_code == 401


def test_json_still_works_and_a_bad_file_over_the_api_writes_nothing(api, session, users):
    measure = measure_in_state(session, users, "decided")
    status, body = api.call("POST", f"/measures/{measure.id}/progress",
                            {"version": measure.version, "done": "Gjort."}, as_user="owner")
    assert status == 201 and body["attachments"] == []
    before = _counts(session)
    status, body = _multipart(api, f"/measures/{measure.id}/progress", {"version": str(body["measure_version"]),
                              "done": "Mer."}, [("kurslista.pdf", xlsx_bytes())], "owner")
    assert status == 422 and "filändelsen ska stämma" in body["error"]["fields"]["attachments"]
    assert _counts(session) == before


def test_the_api_fires_implement_with_files(api, session, users):
    measure = measure_in_state(session, users, "decided")
    status, detail = api.call("GET", f"/measures/{measure.id}", as_user="owner")
    assert {t["trigger"]: t["evidence"] for t in detail["transitions"]}["implement"] is True
    status, body = _multipart(api, f"/measures/{measure.id}/transitions",
                              {"trigger": "implement", "version": str(measure.version),
                               "implementation_note": "Klart."}, [("kurslista.xlsx", xlsx_bytes())], "owner")
    assert status == 200, body
    assert body["state"] == "implemented" and body["attachments"][0]["trigger"] == "implement"


# --- archive and person export --------------------------------------------------------------------

def test_the_archive_package_carries_the_files_with_their_checksums(session, users, invoke, tmp_path):
    measure = measure_in_state(session, users, "implemented")
    pdf, png = pdf_bytes(), image_bytes("PNG")
    add_progress_report(session, users["owner"], measure.id, done="Gjort.", ongoing=None, planned=None,
                        attachments=[Upload(ODD_NAME, pdf)], now=NOW)
    fire(session, users["steering"], measure, "evaluate", {"evaluation": "Bra.", "effect": "achieved"}, now=NOW,
         attachments=[Upload("diagram.png", png)])
    out = tmp_path / "leverans"
    assert invoke("archive", "export", "--to", str(out)).exit_code == 0
    package = out / f"kfflow-measure-{measure.id}"
    mets = ET.parse(package / "METS.xml").getroot()
    entries = {f.find(f"{{{METS_NS}}}FLocat").get(f"{{{XLINK_NS}}}href"): f
               for f in mets.iter(f"{{{METS_NS}}}file")}
    evidence = {href: f for href, f in entries.items() if "/underlag/" in href}
    assert len(evidence) == 2
    for href, entry in evidence.items():
        content = (package / href).read_bytes()
        assert content in (pdf, png)
        assert entry.get("CHECKSUM") == hashlib.sha256(content).hexdigest()
        assert entry.get("MIMETYPE") == (PDF if content == pdf else PNG)
        assert re.fullmatch(r"representations/rep1/data/underlag/\d+-[A-Za-z0-9-]+\.(pdf|png)", href), href
    case = ET.parse(package / "metadata/descriptive/case.xml").getroot()
    titles = [r.find(f"{{{CASE_NS}}}title").text for r in case.iter(f"{{{CASE_NS}}}record")
              if r.get("recordType") == "evidence"]
    assert titles == [safe_filename(ODD_NAME), "diagram.png"]
    assert verify_packages(out).ok
    result = invoke("archive", "verify", str(out))
    assert result.exit_code == 0, result.output


def test_the_person_export_lists_the_files_they_uploaded(session, users, invoke, tmp_path):
    measure = measure_in_state(session, users, "decided")
    add_progress_report(session, users["owner"], measure.id, done="Gjort.", ongoing=None, planned=None,
                        attachments=[Upload("beslut.pdf", pdf_bytes())], now=NOW)
    from kfflow.services.personal_data import person_export

    records = person_export(session, "owner")["records"]
    assert records["attachment"]["via"] == ["uploaded_by_id"] and len(records["attachment"]["rows"]) == 1
    [stored] = [r for r in records["stored_file"]["rows"] if r["purpose"] == "evidence"]
    assert stored["filename"] == "beslut.pdf" and "byte" in stored["content"]
