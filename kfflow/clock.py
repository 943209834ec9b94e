"""The one clock: "now" is UTC, "today" is the date in the region's time zone (Europe/Stockholm).

Every front end (pages, API, reminders, documents, guards) asks `local_today` what day it is, so that
"försenad" or a document's date never depend on which of them answers shortly after midnight.
"""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from kfflow.db import utcnow

LOCAL_TZ = ZoneInfo("Europe/Stockholm")


def local_today(now: datetime | None = None, tz: ZoneInfo = LOCAL_TZ) -> date:
    """The local date at `now` (an aware datetime; the wall clock when None)."""
    return (now or utcnow()).astimezone(tz).date()

