"""Template filters: Swedish labels, dates and numbers."""
from __future__ import annotations

from datetime import date, datetime

from flask_babel import format_date, format_datetime, format_decimal

from kfflow.services.measure_list import is_late
from kfflow.workflow import get_workflows


def sv_date(value) -> str:
    """Dates as ÅÅÅÅ-MM-DD (the Swedish standard form), times in Swedish local time."""
    if value is None:
        return "–"
    if isinstance(value, datetime):
        return format_datetime(value, "yyyy-MM-dd HH:mm")
    if isinstance(value, date):
        return value.isoformat()  # the same as format_date(value, "yyyy-MM-dd"), without Babel per row
    return str(value)


def sv_long_date(value) -> str:
    """"2 mars 2026"."""
    if value is None:
        return "–"
    return format_date(value, "d MMMM y")


def sv_number(value) -> str:
    if value is None:
        return "–"
    return format_decimal(value)


def vocab_label(value, vocabulary: str) -> str:
    if value is None:
        return "–"
    for option in get_workflows().vocabulary(vocabulary):
        if option.value == value:
            return option.label
    return str(value)


def capitalize_first(value: str) -> str:
    """"rekommendation 3 i …" → "Rekommendation 3 i …" (Jinja's capitalize would lower the rest)."""
    return value[:1].upper() + value[1:]


def state_label(case) -> str:
    return get_workflows().get(case.workflow_name, case.workflow_version).state_label(case.state)


def scoring_model():
    """The scoring model of workflows/scoring.yaml (forms draw a judgement's criteria from it)."""
    return get_workflows().scoring


def init_app(app) -> None:
    app.add_template_global(scoring_model)
    for f in (sv_date, sv_long_date, sv_number, vocab_label, state_label, capitalize_first):
        app.add_template_filter(f)
    app.add_template_test(is_late, "late_on")  # {% if m is late_on(today) %}
