"""The browser side of the documents: the audit page's yttrande (preview, "Skapa yttrande", the register),
the audit's own lifecycle and fields, and the reports from the measures list. Session login, real PDFs read back."""
from __future__ import annotations

import hashlib
import html
import re

from sqlalchemy import func, select

from kfflow.models import Audit, DocumentRecord, Recommendation, StoredFile
from kfflow.services.documents import read_registered
from tests.audit_factories import RECOMMENDATIONS, answered_audit
from tests.jobs_support import follow, hold_jobs, run_waiting_jobs
from tests.pdf_checks import embedded_json, text
from tests.web_support import csrf_token, sign_in


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return html.unescape(response.get_data(as_text=True))


def _records(session) -> int:
    session.rollback()
    return session.scalar(select(func.count(DocumentRecord.id)))


def _stored_files(session) -> int:
    session.rollback()
    return session.scalar(select(func.count(StoredFile.id)))


def test_registrar_decides_in_the_browser_and_creates_the_yttrande(make_web_app, session, users, settings):
    app = make_web_app()
    hold_jobs(app)  # the registration waits until run_waiting_jobs: the test sees its page first
    audit, _measures = answered_audit(session, users)
    page_url = f"/granskningar/{audit.id}"
    registrar = sign_in(app, session, users["registrar"])

    page = _page(registrar, page_url)
    assert "Förhandsgranska utkast" in page and "Inget yttrande är registrerat ännu." in page
    assert "Skapa yttrande</button>" not in page  # not decided yet: nothing to register
    draft = registrar.get(f"/granskningar/{audit.id}/utkast.pdf")
    assert draft.status_code == 200 and draft.mimetype == "application/pdf" and "UTKAST" in text(draft.data)

    # The audit's own transition, through the same form machinery as a measure's.
    form = _page(registrar, f"/granskningar/{audit.id}/steg/decide")
    response = registrar.post(f"/granskningar/{audit.id}/steg/decide", data={
        "csrf_token": csrf_token(form), "version": re.search(r'name="version" value="(\d+)"', form).group(1),
        "body": "Regionstyrelsen", "meeting_date": "2023-03-28", "paragraph": "§ 81"})
    assert response.status_code == 302 and response.headers["Location"].endswith(page_url)
    session.rollback()  # end the test session's read snapshot: the app wrote meanwhile
    assert session.get(Audit, audit.id).state == "decided"

    page = _page(registrar, page_url)
    assert "Skapa yttrande</button>" in page and "Yttrandet kan registreras" not in page
    # Registering is a job: the answer is its waiting page (no script), which then comes back here.
    response = registrar.post(f"/granskningar/{audit.id}/yttrande", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 303 and response.headers["Location"].startswith("/jobb/")
    waiting = registrar.get(response.headers["Location"]).get_data(as_text=True)
    assert "Registrering av yttrande" in waiting and "<script" not in waiting
    run_waiting_jobs(app)
    done = registrar.get(response.headers["Location"])
    assert done.status_code == 303 and done.headers["Location"] == page_url + "#yttrande"
    session.rollback()
    record = session.scalars(select(DocumentRecord)).one()
    assert (record.version, record.document_number, record.generated_by_id) == (1, 1, users["registrar"].id)

    page = _page(registrar, done.headers["Location"])
    assert (f"Yttrandet är registrerat som version 1, handling nr 1 i RS/351/2022 (SHA-256 {record.sha256})."
            in page)
    assert f'<code class="hash">{record.sha256}</code>' in page and "<td>Test registrar</td>" in page
    assert "Senast registrerade yttrandet, version 1" in page
    history = page[page.index("<h2>Historik</h2>"):]
    for entry in ("Registrerade granskningen", "Påbörja yttrande", "För in beslutet om yttrandet",
                  "Sammanträdesdatum: 2023-03-28", "Registrerade en handling", f"SHA-256: {record.sha256}",
                  "Undertecknare: Åsa Ödmark (S), Ordförande; Jöns Ärlebäck, Regiondirektör"):
        assert entry in history, entry

    # Anyone signed in downloads the registered version: the bytes the register hashed.
    owner = sign_in(app, session, users["owner"])
    pdf = owner.get(f"/granskningar/{audit.id}/yttrande.pdf")
    assert pdf.status_code == 200 and hashlib.sha256(pdf.data).hexdigest() == record.sha256
    assert read_registered(session, record) == pdf.data
    assert "UTKAST" not in text(pdf.data) and RECOMMENDATIONS[0][:40] in text(pdf.data)
    assert embedded_json(pdf.data)["draft"] is False
    docx = owner.get(f"/granskningar/{audit.id}/yttrande.docx")
    assert docx.status_code == 200 and docx.data[:2] == b"PK" and "attachment" in docx.headers["Content-Disposition"]
    # The preview stays a draft even now: it shows what a new version would say.
    assert "UTKAST" in text(owner.get(f"/granskningar/{audit.id}/utkast.pdf").data)


def test_only_the_registrar_may_create_and_is_told_why_not(make_web_app, session, users):
    app = make_web_app()
    audit, _measures = answered_audit(session, users)
    steering = sign_in(app, session, users["steering"])
    assert "Skapa yttrande</button>" not in _page(steering, f"/granskningar/{audit.id}")
    response = steering.post(f"/granskningar/{audit.id}/yttrande")
    assert response.status_code == 403
    registrar = sign_in(app, session, users["registrar"])
    response = registrar.post(f"/granskningar/{audit.id}/yttrande")
    body = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422 and "Yttrandet kan registreras först när beslutet om det har förts in." in body
    assert _records(session) == 0


def test_registrar_edits_what_the_yttrande_says(make_web_app, session, users):
    app = make_web_app()
    audit, _measures = answered_audit(session, users)
    registrar = sign_in(app, session, users["registrar"])
    form = _page(registrar, f"/granskningar/{audit.id}/andra")
    assert "Åsa Ödmark (S), Ordförande\nJöns Ärlebäck, Regiondirektör" in form
    data = {"name": audit.name, "number": audit.number, "subject": audit.subject, "diarienummer": audit.diarienummer,
            "template": "committee", "responding_body": "Hälso- och sjukvårdsnämnden", "summary": "Ny sammanfattning.",
            "signatories": "Åsa Ödmark (S), Ordförande\n\nEva Ek, Förvaltningschef, HSF\n",
            "version": audit.version}
    response = registrar.post(f"/granskningar/{audit.id}/andra", data=data)
    assert response.status_code == 302
    session.rollback()
    audit = session.get(Audit, audit.id)
    assert (audit.template, audit.responding_body, audit.summary) == (
        "committee", "Hälso- och sjukvårdsnämnden", "Ny sammanfattning.")
    assert audit.signatories == [{"name": "Åsa Ödmark (S)", "title": "Ordförande"},
                                 {"name": "Eva Ek, Förvaltningschef", "title": "HSF"}]

    response = registrar.post(f"/granskningar/{audit.id}/andra", data={**data, "signatories": ", Ordförande",
                                                                        "template": "nope"})
    body = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422 and "Granskningen kunde inte ändras." in body
    session.rollback()
    assert session.get(Audit, audit.id).template == "committee"  # nothing written
    owner = sign_in(app, session, users["owner"])
    assert owner.post(f"/granskningar/{audit.id}/andra", data=data).status_code == 403


def test_no_measure_reason_in_the_answer_editor(make_web_app, session, users):
    app = make_web_app()
    audit = answered_audit(session, users)[0]
    rec = session.scalars(select(Recommendation).where(Recommendation.audit_id == audit.id,
                                                       Recommendation.number == 4)).one()
    registrar = sign_in(app, session, users["registrar"])
    page = _page(registrar, f"/rekommendationer/{rec.id}")
    assert "Skäl till att ingen åtgärd vidtas" in page and rec.no_measure_reason in page
    response = registrar.post(f"/rekommendationer/{rec.id}/svar", data={
        "answer": rec.answer, "measure_ids": "", "no_measure_reason": "Ryms i befintliga lokaler.",
        "version": str(rec.version)})
    assert response.status_code == 302
    session.rollback()
    assert session.get(Recommendation, rec.id).no_measure_reason == "Ryms i befintliga lokaler."


def test_delrapport_and_slutredovisning_from_the_measures_list(make_web_app, session, users, settings):
    app = make_web_app()
    answered_audit(session, users)
    council = sign_in(app, session, users["council"])
    page = _page(council, "/atgarder")
    assert 'action="/atgarder/delrapport.pdf"' in page and 'href="/atgarder/slutredovisning.pdf"' in page
    assert 'name="from"' in page and 'name="to"' in page

    response = follow(council, council.get("/atgarder/delrapport.pdf?from=2026-02-01&to=2026-03-02"), app)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert embedded_json(response.data)["period"] == {"from": "2026-02-01", "to": "2026-03-02"}
    assert "Lägesbild för perioden" in text(response.data)
    response = follow(council, council.get("/atgarder/slutredovisning.pdf"), app)
    assert response.status_code == 200 and "Slutredovisning" in text(response.data)


def test_delrapport_bad_period_is_told_in_swedish_and_writes_nothing(make_web_app, session, users, settings):
    app = make_web_app()
    council = sign_in(app, session, users["council"])
    before = _stored_files(session)
    for query, field in (("from=2026-13-01&to=2026-03-02", "from"), ("from=2026-03-02&to=2026-02-01", "to")):
        response = council.get(f"/atgarder/delrapport.pdf?{query}")
        body = html.unescape(response.get_data(as_text=True))
        assert response.status_code == 422 and response.mimetype == "text/html"
        assert "Perioden är felaktig." in body
        assert f'id="report-{field}" name="{field}"' in body and f'aria-describedby="report-{field}-error"' in body
    assert "Till-datumet måste vara samma dag som eller efter från-datumet." in body
    assert _stored_files(session) == before
    assert _records(session) == 0
