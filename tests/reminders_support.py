"""Helpers for the reminder tests: run a sweep as of a given local time."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from kfflow.reminders.mail import Mailer, SmtpSettings
from kfflow.reminders.rules import load_reminder_rules
from kfflow.reminders.runner import run_sweep
from kfflow.workflow import get_workflows

from tests.conftest import WORKFLOWS_PATH

STOCKHOLM = ZoneInfo("Europe/Stockholm")
BASE = "http://kf.test"


def rules():
    return load_reminder_rules(WORKFLOWS_PATH, get_workflows())


def at(day: date, hour: int = 8, minute: int = 0, *, days: int = 0) -> datetime:
    """Local Stockholm time on `day` + `days`."""
    return datetime.combine(day + timedelta(days=days), time(hour, minute), tzinfo=STOCKHOLM)


def sweep(database, now: datetime, smtp=None, *, dry_run=False, echo=None, reminder_rules=None):
    mailer = Mailer(SmtpSettings.from_url(smtp if isinstance(smtp, str) else smtp.url)) if smtp else None
    lines = []
    result = run_sweep(database, reminder_rules or rules(), now, mailer=mailer, dry_run=dry_run, base=BASE,
                       echo=echo or lines.append)
    result.lines = lines
    return result
