"""The personal calendar feed: GET /kalender/<token>.ics, no login (the token is the key)."""
from flask import Blueprint, Response, abort, current_app

from kfflow.errors import NotFound
from kfflow.reminders.mail import base_url
from kfflow.services.calendar import calendar_for_token
from webui.db import get_session

bp = Blueprint("calendar", __name__)


@bp.get("/kalender/<token>.ics")
def feed(token: str):
    try:
        body = calendar_for_token(get_session(), token, base=base_url(current_app.config["KFFLOW_SETTINGS"]))
    except NotFound:
        abort(404)
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="kfflow.ics"'
    response.headers["Cache-Control"] = "private, max-age=900"
    return response
