"""The JSON API at /api/v1: bearer tokens, the same services as the web pages, errors always as JSON."""
from __future__ import annotations

import logging

from flask import Flask, g, jsonify, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from kfflow.errors import KfflowError, NotAuthenticated, TooManyAttempts, ValidationError
from webui.api.framework import REQUEST_LIMITS, BadRequest, bp
from webui.errors import http_error_page, status_for

# The operations register on import.
from webui.api import (admin, api_keys, audits, calendar, documents, follow_up, imports, jobs,  # noqa: E402,F401
                       lagesbild, measures, notifications, openapi, secrecy, tokens, users)

log = logging.getLogger(__name__)
PREFIX = bp.url_prefix
HTTP_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "too_large",
              415: "unsupported_media_type"}


def error_response(status: int, code: str, message: str, fields: dict | None = None):
    response = jsonify({"error": {"code": code, "message": message, "fields": fields or {}}})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="kfflow"'
    return response


@bp.errorhandler(KfflowError)
def _domain_error(exc: KfflowError):
    status = status_for(exc)
    if status == 500:
        log.exception("unmapped domain error in the API")
        return error_response(500, "internal", "Ett internt fel uppstod.")
    response = error_response(status, exc.code, exc.message, getattr(exc, "fields", None))
    if isinstance(exc, NotAuthenticated) and request.headers.get("Authorization"):
        response.headers["WWW-Authenticate"] = 'Bearer realm="kfflow", error="invalid_token"'
    if isinstance(exc, TooManyAttempts):
        response.headers["Retry-After"] = str(exc.retry_after)
    if status in (403, 409, 422) and not isinstance(exc, ValidationError):
        log.info("API %s %s refused for %s: %s", request.method, request.path,
                 getattr(g.get("api_user"), "username", "-"), exc.code)
    return response


@bp.errorhandler(BadRequest)
def _bad_body(exc: BadRequest):
    return error_response(400, "bad_request", str(exc))


def _http_error(exc: HTTPException):
    code = exc.code or 500
    messages = {404: "Finns inte.", 405: "Metoden är inte tillåten här.", 400: "Felaktig begäran.",
                413: "Begäran är för stor."}
    response = error_response(code, HTTP_CODES.get(code, "http_error"), messages.get(code, exc.name))
    if code == 405 and exc.valid_methods:
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(exc: RequestEntityTooLarge):
    """An upload over its operation's limit is told the limit in Swedish, as on the page; any other body is
    answered by the app's general 413."""
    op = REQUEST_LIMITS.get((request.endpoint or "").removeprefix(bp.name + "."))
    return error_response(413, "too_large", op.too_large if op and op.too_large else "Begäran är för stor.")


@bp.errorhandler(HTTPException)
def _bp_http_error(exc: HTTPException):
    return _http_error(exc)


@bp.errorhandler(Exception)
def _internal_error(exc: Exception):
    log.exception("unhandled error in %s %s", request.method, request.path)
    return error_response(500, "internal", "Ett internt fel uppstod.")


def _app_http_error(exc: HTTPException):
    """Unmatched URLs and wrong methods under /api/ are answered in JSON too; elsewhere as a Swedish page."""
    if request.path == PREFIX or request.path.startswith(PREFIX + "/"):
        return _http_error(exc)
    return http_error_page(exc)


def init_app(app: Flask) -> None:
    app.config.setdefault("KFFLOW_API_TOKEN_HOURS", app.config["KFFLOW_SETTINGS"].api_token_hours)
    app.register_blueprint(bp)
    # Routing errors happen before a blueprint is chosen, so the app must answer them for the API.
    app.register_error_handler(404, _app_http_error)
    app.register_error_handler(405, _app_http_error)
    csrf = app.extensions.get("csrf")
    if csrf is not None:
        csrf.exempt(bp)  # bearer tokens, no cookies: nothing for a cross-site request to ride on
