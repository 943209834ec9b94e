"""Evidence files on the web and the API: reading them from a multipart request, their download, their limits.

The services check and store the files (`kfflow.services.evidence`); this module turns a request's file parts
into `Upload`s held to the per-file limit of the settings (KFFLOW_EVIDENCE_MAX_MB), raises the request-size
limit for the routes that take files, and answers a download as an attachment with a safe name.
"""
from __future__ import annotations

import re

from flask import Blueprint, current_app, request

from kfflow.evidence import EVIDENCE_TYPES, MAX_FILES, Upload, size_text
from kfflow.services.evidence import FIELD, read_attachment
from webui.auth import current_actor
from webui.db import get_session
from webui.documents import send_document

bp = Blueprint("evidence", __name__)

# The routes that take files (web form posts and API operations). The multipart envelope adds a little.
UPLOAD_ENDPOINTS = frozenset({"measures.progress", "measures.transition", "audits.transition",
                              "api.report_progress", "api.fire_measure"})
ENVELOPE_BYTES = 256 * 1024
KIND_NAMES = {media: exts[0][1:].upper() for media, exts in EVIDENCE_TYPES.items()}


def max_file_bytes() -> int:
    return current_app.config["KFFLOW_SETTINGS"].evidence_max_bytes


# How browsers (the HTML standard's multipart/form-data encoding) and curl write these in a part's filename.
_FORM_ESCAPES = re.compile(r"%(22|0A|0D)", re.IGNORECASE)


def multipart_filename(sent: str | None) -> str:
    """The file's name as the person had it: `"`, LF and CR come percent-escaped from browsers and curl."""
    return _FORM_ESCAPES.sub(lambda m: chr(int(m.group(1), 16)), sent or "")


def uploads_from_request() -> list[Upload]:
    """The request's evidence files, each read up to one byte past the limit (the service says it is too big)."""
    limit = max_file_bytes()
    return [Upload.read(f.stream, multipart_filename(f.filename), limit) for f in request.files.getlist(FIELD)
            if f.filename or f.content_length]


def _raise_request_limit(endpoint, values):
    # Before any before_request handler, so the limit holds before the CSRF check parses the form. Room for one
    # file over the limit per file allowed, so a too large file gets its message on the field, not a 413.
    if endpoint in UPLOAD_ENDPOINTS and request.method == "POST":
        request.max_content_length = (MAX_FILES + 1) * max_file_bytes() + ENVELOPE_BYTES


def evidence_kind(media_type: str) -> str:
    return KIND_NAMES.get(media_type, media_type)


def evidence_limits() -> dict:
    return {"max_files": MAX_FILES, "max_size": size_text(max_file_bytes())}


@bp.route("/underlag/<int:attachment_id>")
def download(attachment_id: int):
    """An evidence file for anyone signed in, always as a download (never shown inline from our origin)."""
    found = read_attachment(get_session(), current_actor(), attachment_id)
    return send_attachment(found)


def send_attachment(found):
    response = send_document(found.content, found.filename, found.media_type, attachment=True)
    response.headers["X-Document-SHA256"] = found.sha256
    return response


def init_app(app) -> None:
    app.url_value_preprocessor(_raise_request_limit)
    app.add_template_filter(size_text, "file_size")
    app.add_template_filter(evidence_kind)
    app.add_template_global(evidence_limits)
    app.register_blueprint(bp)
