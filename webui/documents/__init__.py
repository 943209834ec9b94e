"""Formal documents over HTTP: the yttrande (PDF, .docx) and the two reports. Thin: parse, call a service, send.

`current_actor()` is the one place the acting user comes from; at merge it is replaced by the JSON
API's bearer-token authentication.
"""
from __future__ import annotations

import io

from flask import Blueprint, current_app, g, jsonify, request, send_file

from kfflow.documents import documents_dir
from kfflow.errors import GuardFailed, KfflowError, NotFound, PermissionDenied, StaleCase, ValidationError
from kfflow.services import documents
from webui.db import get_session

bp = Blueprint("documents", __name__, url_prefix="/api/v1")

# Until the API's own error mapping (webui.errors.status_for) is wired in at merge.
_STATUS = {PermissionDenied: 403, NotFound: 404, StaleCase: 409, ValidationError: 422, GuardFailed: 422}


class NotSignedIn(KfflowError):
    code = "unauthenticated"


def current_actor():
    """The user making this request. Placeholder: the API's token authentication sets g.api_user."""
    return g.get("api_user")


def _actor():
    actor = current_actor()
    if actor is None:
        raise NotSignedIn("Du måste vara inloggad.")
    return actor


def _storage():
    return documents_dir(current_app.config["KFFLOW_SETTINGS"].instance_path)


def _send(content: bytes, filename: str, media_type: str, *, attachment: bool = False):
    response = send_file(io.BytesIO(content), mimetype=media_type, download_name=filename,
                         as_attachment=attachment, max_age=0)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.errorhandler(KfflowError)
def _domain_error(exc: KfflowError):
    if isinstance(exc, NotSignedIn):
        status = 401
    elif isinstance(exc, GuardFailed) and exc.state_moved:
        status = 409
    else:
        status = next((s for cls, s in _STATUS.items() if isinstance(exc, cls)), 500)
    body = {"error": exc.code, "message": exc.message}
    if isinstance(exc, ValidationError):
        body["fields"] = exc.fields
    return jsonify(body), status


@bp.get("/audits/<int:audit_id>/yttrande.pdf")
def yttrande_pdf(audit_id: int):
    """The latest registered version of the yttrande, else a draft marked UTKAST."""
    found = documents.current_yttrande(get_session(), _actor(), audit_id, _storage())
    response = _send(found.content, found.filename, found.media_type)
    if found.record is not None:
        response.headers["X-Document-SHA256"] = found.record.sha256
        response.headers["X-Document-Version"] = str(found.record.version)
    return response


def _record_json(record) -> dict:
    return {"id": record.id, "diarienummer": record.diarienummer, "document_number": record.document_number,
            "kind": record.kind, "version": record.version, "document_date": record.document_date.isoformat(),
            "sha256": record.sha256, "size": record.size, "media_type": record.media_type,
            "generated_by": record.generated_by.username if record.generated_by else None,
            "created_at": record.created_at.isoformat()}


@bp.post("/audits/<int:audit_id>/yttrande")
def register_yttrande(audit_id: int):
    """"Skapa yttrande": register a new version of the final yttrande (registrar, after the decision)."""
    record = documents.register_yttrande(get_session(), _actor(), audit_id, _storage())
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
    return _send(found.content, found.filename, found.media_type, attachment=True)


@bp.get("/reports/delrapport.pdf")
def delrapport_pdf():
    start, end = request.args.get("from", ""), request.args.get("to", "")
    content = documents.render_delrapport(get_session(), _actor(), start, end,
                                          diarienummer=request.args.get("dnr") or None)
    return _send(content, f"delrapport-{start}-{end}.pdf", documents.PDF)


@bp.get("/reports/slutredovisning.pdf")
def slutredovisning_pdf():
    content = documents.render_slutredovisning(get_session(), _actor(),
                                               diarienummer=request.args.get("dnr") or None)
    return _send(content, "slutredovisning.pdf", documents.PDF)
