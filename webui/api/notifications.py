"""A user's own notifications and their preferences over the API, as on the notification pages."""
from __future__ import annotations

from kfflow.kinds import KINDS
from kfflow.services.notifications import (get_preferences, list_notifications, mark_notifications_read,
                                           set_preferences)
from webui.api import schemas as s
from webui.api.framework import operation
from webui.db import get_session

TAG = "Aviseringar"


@operation("/notifications", "GET", summary="Dina aviseringar", tag=TAG, query=s.NotificationQuerySchema(),
           response=s.NotificationPageSchema())
def my_notifications(user, args):
    """Nyast först, högst 50; `unread=true` bara olästa. `case` är ärendets adress i API:t."""
    notes = list_notifications(get_session(), user, unread_only=args.get("unread", False))
    return {"items": [s.With(n, case=KINDS[n.case_kind].api_path.format(id=n.case_id) if n.case_kind in KINDS
                             else None) for n in notes]}


@operation("/notifications/read", "POST", summary="Markera aviseringar som lästa", tag=TAG,
           body=s.MarkReadSchema(), response=s.MarkedSchema())
def mark_read(user, data):
    """Utan `ids`: alla dina olästa. Andras aviseringar berörs aldrig."""
    return {"marked": mark_notifications_read(get_session(), user, data.get("ids"))}


@operation("/notifications/preferences", "GET", summary="Dina aviseringsinställningar", tag=TAG,
           response=s.PreferencesSchema())
def my_preferences(user):
    """Om påminnelser skickas med e-post, och hur ofta."""
    return get_preferences(get_session(), user)


@operation("/notifications/preferences", "PUT", summary="Ändra dina aviseringsinställningar", tag=TAG,
           body=s.PreferencesSchema(), response=s.PreferencesSchema())
def change_preferences(user, data):
    """`delivery`: immediate, daily eller weekly."""
    return set_preferences(get_session(), user, mail_enabled=data["mail_enabled"], delivery=data["delivery"])
