"""One mapping from the domain's typed errors to HTTP statuses, for the pages and the API alike,
and the Swedish error pages (a 500 never shows a traceback)."""
from __future__ import annotations

import logging

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from kfflow.errors import GuardFailed, KfflowError, NotFound, PermissionDenied, StaleCase, ValidationError

log = logging.getLogger(__name__)


def status_for(exc: BaseException) -> int:
    """The HTTP status of a domain error (500 for anything unexpected)."""
    if isinstance(exc, PermissionDenied):
        return 403
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, StaleCase):
        return 409
    if isinstance(exc, GuardFailed):
        return 409 if exc.state_moved else 422
    if isinstance(exc, ValidationError):
        return 422
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
        422: _("Det gick inte att spara"),
        429: _("För många försök"),
        500: _("Ett fel har uppstått"),
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


def _http_error(exc: HTTPException):
    # Werkzeug's English descriptions are not shown; the Swedish title is enough.
    return render_error(exc.code or 500)


def _unexpected(exc: Exception):
    if isinstance(exc, HTTPException):
        return _http_error(exc)
    log.exception("unexpected error on %s %s", request.method, request.path)
    return render_error(500, _("Felet är loggat. Försök igen om en stund."))


def init_app(app) -> None:
    app.register_error_handler(KfflowError, _domain_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
