"""Limits every request is held to before any work is done: body size, JSON nesting, ids a row can have.

Bodies over the limit answer 413 (in JSON under /api/); an id larger than the database's integer matches
no route (404) instead of reaching a query that PostgreSQL would refuse.
"""
from __future__ import annotations

from flask import Flask, request
from werkzeug.exceptions import NotFound, RequestEntityTooLarge
from werkzeug.routing import IntegerConverter

from kfflow.importing.readers import MAX_FILE_BYTES
from kfflow.workflow.fields import MAX_ID

# Forms and JSON bodies are small; the import upload raises its own limit for its one route.
MAX_REQUEST_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 20
# The spreadsheet upload (page and API): the multipart envelope adds a little to the file; the file itself is
# held to MAX_FILE_BYTES on saving.
MAX_UPLOAD_REQUEST_BYTES = MAX_FILE_BYTES + 64 * 1024


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: 1 up to the largest id a row can have; any other number is 404.

    Raising NotFound here rather than Werkzeug's ValidationError (what `max=` does): with ValidationError the
    matcher goes on to the route's other methods and answers PATCH /measures/99999999999 with 405.
    """

    def to_python(self, value):
        number = int(value)
        if not 1 <= number <= MAX_ID:
            raise NotFound()
        return number


def json_depth(value) -> int:
    """How deeply lists and objects nest in parsed JSON, counted without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in item)
    return deepest


def _too_large(exc: RequestEntityTooLarge):
    from webui.api import PREFIX, error_response
    from webui.errors import render_error

    message = "Begäran är för stor."
    if request.path == PREFIX or request.path.startswith(PREFIX + "/") or request.path.startswith("/api/"):
        return error_response(413, "too_large", message)
    return render_error(413, message)


def init_app(app: Flask) -> None:
    """Before any blueprint is registered: routes take the id converter when they are added."""
    app.url_map.converters["int"] = IdConverter
    if app.config.get("MAX_CONTENT_LENGTH") is None:  # Flask's default is None: no limit at all
        app.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    app.register_error_handler(RequestEntityTooLarge, _too_large)
