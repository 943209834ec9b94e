"""The personal calendar feed: GET /kalender/<token>.ics, no login (the token is the key); and the feed's URL
and lifetime, for the settings page and the API that issue it."""
from datetime import timedelta

from flask import Blueprint, Response, abort, current_app, url_for

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


def feed_lifetime() -> timedelta:
    return timedelta(days=current_app.config["KFFLOW_SETTINGS"].calendar_feed_days)


def feed_url(token: str) -> str:
    """KFFLOW_BASE_URL when set, like the links in mails and in the feed (behind a proxy the host
    Flask sees may not be the one Outlook can reach); else the host of this request."""
    configured = current_app.config["KFFLOW_SETTINGS"].base_url
    if configured:
        return configured.rstrip("/") + url_for("calendar.feed", token=token)
    return url_for("calendar.feed", token=token, _external=True)
