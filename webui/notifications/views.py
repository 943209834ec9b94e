from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from kfflow.db import utcnow
from kfflow.errors import ValidationError
from kfflow.kinds import KINDS
from kfflow.models.notification import DELIVERY_MODES
from kfflow.services.calendar import (calendar_feed_expiry, issue_calendar_token, renew_calendar_token,
                                     revoke_calendar_token)
from kfflow.services.notifications import (DELIVERY_LABELS, get_preferences, list_notifications,
                                           mark_notifications_read, set_preferences)
from webui.auth import current_actor
from webui.calendar import feed_lifetime, feed_url
from webui.db import get_session
from webui.filters import sv_long_date
from webui.notifications import bp


@bp.app_context_processor
def _unread_count():
    """The header's unread count, read together with the signed-in session (no query of its own)."""
    def unread() -> int:
        return current_user.unread_notifications if current_user.is_authenticated else 0
    return {"unread_notifications": unread}


def case_link(note) -> str | None:
    kind = KINDS.get(note.case_kind)
    return kind.web_url(note.case_id, request.script_root) if kind else None


@bp.route("/aviseringar")
def notification_list():
    notes = list_notifications(get_session(), current_actor())
    return render_template("notifications/list.html", notes=notes, case_link=case_link)


@bp.route("/aviseringar/las", methods=["POST"])
def mark_read():
    # No "id" field: mark all. Ids given but none valid: mark none (never all by accident).
    ids = [int(i) for i in request.form.getlist("id") if i.isdigit()] if "id" in request.form else None
    marked = mark_notifications_read(get_session(), current_actor(), ids) if ids != [] else 0
    flash(_("%(count)s aviseringar markerade som lästa.", count=marked) if marked != 1
          else _("Aviseringen är markerad som läst."), "success")
    return redirect(url_for("notifications.notification_list"))


def _render_preferences(*, values=None, errors=None, message=None, feed_url=None, status=200):
    session = get_session()
    actor = current_actor()
    prefs = get_preferences(session, actor)
    values = values or {"mail_enabled": prefs.mail_enabled, "delivery": prefs.delivery}
    return render_template("notifications/preferences.html", values=values, errors=errors or {}, message=message,
                           modes=[(mode, DELIVERY_LABELS[mode]) for mode in DELIVERY_MODES],
                           feed_expires=calendar_feed_expiry(session, actor), now=utcnow(), feed_url=feed_url,
                           has_email=bool(actor.email)), status


@bp.route("/installningar/aviseringar", methods=["GET", "POST"])
def preferences():
    if request.method == "GET":
        return _render_preferences()
    values = {"mail_enabled": request.form.get("mail_enabled") == "1", "delivery": request.form.get("delivery", "")}
    try:
        set_preferences(get_session(), current_actor(), **values)
    except ValidationError as exc:
        return _render_preferences(values=values, errors=exc.fields, message=exc.message, status=422)
    flash(_("Dina aviseringsinställningar är sparade."), "success")
    return redirect(url_for("notifications.preferences"))


@bp.route("/installningar/aviseringar/kalender", methods=["POST"])
def calendar_issue():
    # Rendered, not redirected: the token is shown this once and never stored (nor put in the cookie).
    token = issue_calendar_token(get_session(), current_actor(), lifetime=feed_lifetime())
    return _render_preferences(feed_url=feed_url(token))


@bp.route("/installningar/aviseringar/kalender/fornya", methods=["POST"])
def calendar_renew():
    expires = renew_calendar_token(get_session(), current_actor(), lifetime=feed_lifetime())
    flash(_("Kalenderlänken är förnyad och gäller till %(day)s.", day=sv_long_date(expires)), "success")
    return redirect(url_for("notifications.preferences"))


@bp.route("/installningar/aviseringar/kalender/aterkalla", methods=["POST"])
def calendar_revoke():
    revoked = revoke_calendar_token(get_session(), current_actor())
    flash(_("Kalenderlänken är återkallad och slutar fungera nu.") if revoked
          else _("Du hade ingen aktiv kalenderlänk."), "success")
    return redirect(url_for("notifications.preferences"))
