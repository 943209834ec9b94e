"""Template filters: Swedish labels and date formats."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from kfflow.workflow import get_workflows

LOCAL_TZ = ZoneInfo("Europe/Stockholm")


def sv_date(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, datetime):
        return value.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def vocab_label(value, vocabulary: str) -> str:
    if value is None:
        return "–"
    for option in get_workflows().vocabulary(vocabulary):
        if option.value == value:
            return option.label
    return str(value)


def state_label(case) -> str:
    return get_workflows().get(case.workflow_name, case.workflow_version).state_label(case.state)


def init_app(app) -> None:
    app.add_template_filter(sv_date)
    app.add_template_filter(vocab_label)
    app.add_template_filter(state_label)
