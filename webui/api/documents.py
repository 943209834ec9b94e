"""Formal documents over the API: the yttrande (draft, registration, PDF, .docx), its register, the two reports.

Thin: parse, call a service, send the file. The web pages call the same services from `webui/audits` and
`webui/measures`.
"""
from __future__ import annotations

from flask import url_for

from kfflow.services import documents
from webui.api import schemas as s
from webui.api.framework import Answer, operation
from webui.db import get_session
from webui.api.jobs import JobSchema
from webui.api.measures import seen
from webui.documents import send_document
from webui.jobs import REFRESH_SECONDS, api_document_answer, request_document, request_registration

DOCUMENTS = "Handlingar"


def _send(found, *, attachment: bool = False):
    return send_document(found.content, found.filename, found.media_type, attachment=attachment)


@operation("/audits/<int:audit_id>/yttrande.pdf", "GET", summary="Yttrandet som PDF", tag=DOCUMENTS,
           produces=(documents.PDF,), headers=("X-Document-SHA256", "X-Document-Version"))
def yttrande_pdf(user, audit_id):
    """Den senast registrerade versionen; finns ingen, ett utkast märkt UTKAST."""
    found = documents.current_yttrande(get_session(), user, audit_id)
    return send_document(found.content, found.filename, found.media_type, record=found.record)


@operation("/audits/<int:audit_id>/yttrande/draft.pdf", "GET", summary="Förhandsgranska yttrandet", tag=DOCUMENTS,
           produces=(documents.PDF,))
def yttrande_draft(user, audit_id):
    """Alltid ett utkast märkt UTKAST, även när en version är registrerad: så skulle en ny version se ut."""
    return _send(documents.draft_yttrande(get_session(), user, audit_id))


@operation("/audits/<int:audit_id>/yttrande.docx", "GET", summary="Yttrandet som Word-fil", tag=DOCUMENTS,
           produces=(documents.DOCX,))
def yttrande_docx(user, audit_id):
    """För att bearbeta formuleringar före sammanträdet; ett utkast tills beslutet är infört."""
    return _send(documents.yttrande_docx(get_session(), user, audit_id), attachment=True)


@operation("/audits/<int:audit_id>/yttrande", "POST", summary="Registrera yttrandet", tag=DOCUMENTS, status=202,
           response=JobSchema(), headers=("Location", "Retry-After"), errors=(403, 409, 422, 429, 503))
def register_yttrande(user, audit_id):
    """”Skapa yttrande”: registratorn registrerar en ny version av det slutliga yttrandet när beslutet är infört.
    Svarar 202 med jobbet som registrerar (`Location`); när det är klart anger dess `outcome` handlingen och
    `result_url` yttrandet. Den som inte får registrera nu får svar direkt (403, 422)."""
    job = request_registration(user, audit_id).job
    return Answer(job, {"Location": url_for("api.get_job", job_id=job.id), "Retry-After": str(REFRESH_SECONDS)})


@operation("/audits/<int:audit_id>/documents", "GET", summary="Granskningens registrerade handlingar",
           tag=DOCUMENTS, response=s.DocumentRecordSchema(many=True))
def audit_documents(user, audit_id):
    """Registrets poster för granskningen, äldsta versionen först."""
    return seen(user).view(documents.registered_documents(get_session(), user, audit_id), "document")


@operation("/reports/delrapport.pdf", "GET", summary="Delrapport (lägesbild) för en period", tag=DOCUMENTS,
           query=s.DelrapportQuerySchema(), produces=(documents.PDF,), accepted=JobSchema(), errors=(429,))
def delrapport_pdf(user, args):
    """Vad som är beslutat och genomfört under perioden `from`–`to` (båda dagarna med). Rapporten direkt om en
    gjord på samma uppgifter finns, annars 202 och jobbet som tar fram den."""
    params = {"from": args["from_"].isoformat(), "to": args["to"].isoformat(), "dnr": args.get("dnr")}
    return api_document_answer(user, request_document(user, "delrapport", params))


@operation("/reports/slutredovisning.pdf", "GET", summary="Slutredovisning", tag=DOCUMENTS,
           query=s.ReportQuerySchema(), produces=(documents.PDF,), accepted=JobSchema(), errors=(429,))
def slutredovisning_pdf(user, args):
    """Beslutade åtgärder per kategori, arbetsgruppernas läge och överlämningen. Som delrapporten: direkt
    eller 202 och ett jobb."""
    return api_document_answer(user, request_document(user, "slutredovisning", {"dnr": args.get("dnr")}))
