"""What admins watch over the API, as on their pages: mail that could not be delivered."""
from __future__ import annotations

from kfflow.services.outbox import failed_mail
from webui.api import schemas as s
from webui.api.framework import operation
from webui.db import get_session


@operation("/admin/failed-mail", "GET", summary="E-post som inte kunde skickas", tag="Administration",
           response=s.FailedMailPageSchema(), errors=(403,))
def list_failed_mail(user):
    """Påminnelser som inte kunde byggas eller som e-postservern vägrade för gott; de försöks inte igen."""
    total, items = failed_mail(get_session(), user)
    return {"total": total, "items": items}
