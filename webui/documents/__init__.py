"""Sending formal documents (the yttrande, the reports) from the web pages and the API alike.

The API's document operations are in `webui/api/documents.py`; the pages' routes in `webui/audits` and
`webui/measures`.
"""
from __future__ import annotations

import io

from flask import current_app, send_file

from kfflow.documents import documents_dir


def storage_dir():
    """Where registered documents are stored (shared with the web pages' routes)."""
    return documents_dir(current_app.config["KFFLOW_SETTINGS"].instance_path)


def send_document(content: bytes, filename: str, media_type: str, *, attachment: bool = False):
    response = send_file(io.BytesIO(content), mimetype=media_type, download_name=filename,
                         as_attachment=attachment, max_age=0)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
