"""One mapping from the domain's typed errors to HTTP statuses, for the pages and the API alike,
and the Swedish error pages (a 500 never shows a traceback)."""
from __future__ import annotations

import logging

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from kfflow import errors
from kfflow.db import refuses_writes
from kfflow.errors import KfflowError

log = logging.getLogger(__name__)

STATUS_BY_ERROR: dict[type[KfflowError], int] = {
    errors.NotAuthenticated: 401,
    errors.PermissionDenied: 403,
    errors.NotFound: 404,
    errors.StaleCase: 409,
    errors.ValidationError: 422,
    errors.GuardFailed: 422,
    errors.TooManyAttempts: 429,
    errors.TooManyJobs: 429,
    errors.StorageUnavailable: 503,
}


def status_for(exc: BaseException) -> int:
    """The HTTP status of an error; a guard refusing because the state moved meanwhile is a conflict."""
    if isinstance(exc, errors.GuardFailed) and exc.state_moved:
        return 409
    for cls in type(exc).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    if isinstance(exc, KfflowError):
        return 400
    if isinstance(exc, HTTPException):
        return exc.code or 500
    return 500


def _titles() -> dict[int, str]:
    return {
        400: _("Felaktig begäran"),
        403: _("Du har inte behörighet"),
        404: _("Sidan finns inte"),
        405: _("Metoden är inte tillåten"),
        409: _("Någon annan har ändrat ärendet"),
        413: _("Begäran är för stor"),
        422: _("Det gick inte att spara"),
        429: _("För många försök"),
        500: _("Ett fel har uppstått"),
        503: _("Det går inte att spara just nu"),
    }


def _wants_json() -> bool:
    # The JSON API registers its own handlers; this is the fallback for anything under /api/.
    return request.path.startswith("/api/")


def render_error(status: int, message: str | None = None, code: str | None = None):
    title = _titles().get(status, _("Ett fel har uppstått"))
    if _wants_json():
        return jsonify({"error": {"code": code or str(status), "message": message or title}}), status
    return render_template("error.html", status=status, title=title, message=message), status


def _domain_error(exc: KfflowError):
    return render_error(status_for(exc), exc.message, exc.code)


def _csrf_error(exc: CSRFError):
    log.warning("CSRF check failed on %s %s: %s", request.method, request.path, exc.description)
    return render_error(400, _("Formuläret har gått ut eller saknar sin säkerhetskod. "
                               "Ladda om sidan och försök igen."), "csrf")


def http_error_page(exc: HTTPException):
    # Werkzeug's English descriptions are not shown; the Swedish title is enough.
    return render_error(exc.code or 500)


def _unexpected(exc: Exception):
    if isinstance(exc, HTTPException):
        return http_error_page(exc)
    if refuses_writes(exc):  # e.g. a full or read-only disk under a request body being spooled
        log.error("storage refused a write on %s %s: %s", request.method, request.path, exc)
        return _domain_error(errors.StorageUnavailable())
    log.exception("unexpected error on %s %s", request.method, request.path)
    return render_error(500, _("Felet är loggat. Försök igen om en stund."))


def init_app(app) -> None:
    app.register_error_handler(KfflowError, _domain_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, http_error_page)
    app.register_error_handler(Exception, _unexpected)
