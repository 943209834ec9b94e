"""Formal documents over HTTP: the yttrande (PDF, .docx) and the two reports. Thin: parse, call a service, send.

Requests authenticate with the JSON API's bearer tokens; the web pages have their own routes in
`webui/audits` and `webui/measures` that call the same services.
"""
from __future__ import annotations

import io

from flask import Blueprint, jsonify, request, send_file

from kfflow.errors import KfflowError
from kfflow.services import documents
from webui.api import _domain_error as api_domain_error
from webui.api.framework import api_user
from webui.db import get_session

bp = Blueprint("documents", __name__, url_prefix="/api/v1")



def _actor():
    """The user of this request's bearer token (the same authentication as every API operation)."""
    return api_user()


def send_document(content: bytes, filename: str, media_type: str, *, attachment: bool = False, record=None):
    """The bytes with their type and name; a registered version also says its hash and version."""
    response = send_file(io.BytesIO(content), mimetype=media_type, download_name=filename,
                         as_attachment=attachment, max_age=0)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    if record is not None:
        response.headers["X-Document-SHA256"] = record.sha256
        response.headers["X-Document-Version"] = str(record.version)
    return response


# Errors are answered exactly as the rest of the API answers them.
bp.register_error_handler(KfflowError, api_domain_error)


@bp.get("/audits/<int:audit_id>/yttrande.pdf")
def yttrande_pdf(audit_id: int):
    """The latest registered version of the yttrande, else a draft marked UTKAST."""
    found = documents.current_yttrande(get_session(), _actor(), audit_id)
    return send_document(found.content, found.filename, found.media_type, record=found.record)


def _record_json(record) -> dict:
    return {"id": record.id, "diarienummer": record.diarienummer, "document_number": record.document_number,
            "kind": record.kind, "version": record.version, "document_date": record.document_date.isoformat(),
            "sha256": record.sha256, "size": record.size, "media_type": record.media_type,
            "generated_by": record.generated_by.username if record.generated_by else None,
            "created_at": record.created_at.isoformat()}


@bp.post("/audits/<int:audit_id>/yttrande")
def register_yttrande(audit_id: int):
    """"Skapa yttrande": register a new version of the final yttrande (registrar, after the decision)."""
    record = documents.register_yttrande(get_session(), _actor(), audit_id)
    response = jsonify(_record_json(record))
    response.status_code = 201
    response.headers["Location"] = f"{bp.url_prefix}/audits/{audit_id}/yttrande.pdf"
    return response


@bp.get("/audits/<int:audit_id>/documents")
def audit_documents(audit_id: int):
    """The register's entries for this audit, oldest version first."""
    records = documents.registered_documents(get_session(), _actor(), audit_id)
    return jsonify([_record_json(r) for r in records])


@bp.get("/audits/<int:audit_id>/yttrande.docx")
def yttrande_docx(audit_id: int):
    found = documents.yttrande_docx(get_session(), _actor(), audit_id)
    return send_document(found.content, found.filename, found.media_type, attachment=True)


@bp.get("/reports/delrapport.pdf")
def delrapport_pdf():
    """The report when one made from the same data exists, else 202 and the job that makes it."""
    from webui.jobs import api_document_answer, request_document

    actor = _actor()
    answer = request_document(actor, "delrapport", {"from": request.args.get("from", ""),
                                                    "to": request.args.get("to", ""), "dnr": request.args.get("dnr")})
    return api_document_answer(actor, answer)


@bp.get("/reports/slutredovisning.pdf")
def slutredovisning_pdf():
    from webui.jobs import api_document_answer, request_document

    actor = _actor()
    return api_document_answer(actor, request_document(actor, "slutredovisning", {"dnr": request.args.get("dnr")}))


@bp.get("/jobs/<int:job_id>/result")
def job_result(job_id: int):
    """A finished job's document (see `GET /api/v1/jobs/<id>`)."""
    from webui.jobs import send_result

    return send_result(_actor(), job_id)
