"""Sending formal documents (the yttrande, the reports) from the web pages and the API alike.

The API's document operations are in `webui/api/documents.py`; the pages' routes in `webui/audits` and
`webui/measures`.
"""
from __future__ import annotations

import io

from flask import send_file


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
