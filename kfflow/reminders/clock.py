"""Time for the sweep: `--now` parsing, local days and digest slots. Never the wall clock in tests."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from kfflow.errors import ValidationError


def parse_now(text: str | None, tz: ZoneInfo) -> datetime:
    """An aware UTC datetime. A naive ISO time is local time in the rules' time zone (Europe/Stockholm)."""
    if not text:
        return datetime.now(timezone.utc)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError("Ogiltig tidpunkt.", {"now": f"”{text}” är inte en ISO-tidpunkt (ÅÅÅÅ-MM-DDTHH:MM)."})
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(timezone.utc)


def next_digest_slot(now: datetime, tz: ZoneInfo, *, hour: int, weekday: int | None) -> datetime:
    """The next daily (weekday=None) or weekly digest time strictly after `now`, as UTC."""
    local = now.astimezone(tz)
    day = local.date()
    while True:
        slot = datetime.combine(day, time(hour), tzinfo=tz)
        if slot > local and (weekday is None or day.weekday() == weekday):
            return slot.astimezone(timezone.utc)
        day += timedelta(days=1)
