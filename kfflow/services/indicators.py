"""Indicators on a measure and their measurements: how its effect is followed against a target.

Who may add either, and in which states, is the `follow_up` action in workflows/measure.yaml (today the
measure's owner or the steering group). Each addition is one history entry on the measure. Neither moves the
measure's version: they add to it without changing what an editor of the measure sees, so they need no `version` and cause no 409.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kfflow.clock import local_today
from kfflow.db import utcnow, write_transaction
from kfflow.errors import NotFound, ValidationError
from kfflow.models import Indicator, Measure, Measurement
from kfflow.services._common import _storable_id, add_history, load_actor, load_actor_and_case
from kfflow.services.access import may, require
from kfflow.workflow.fields import check_text, parse_date, to_record

DIRECTIONS = {"higher": "Högre är bättre", "lower": "Lägre är bättre"}
MAX_FREQUENCY_DAYS = 3660
MAX_MAGNITUDE = 1e12  # a value larger than this is a typing mistake, not a measurement


def may_follow_up(actor, measure: Measure) -> bool:
    """Whether `actor` may add indicators and values to this measure now (the `follow_up` action in measure.yaml)."""
    return may(actor, "follow_up", measure)


def parse_number(value: Any) -> float:
    """A finite number: an int or float, or a text such as "7,9" or "7.9" (Swedish decimal comma accepted)."""
    if isinstance(value, bool):
        raise ValueError("Ange ett tal.")
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str) and value.strip():
        try:
            number = float(value.strip().replace("\u2212", "-").replace(" ", "").replace(",", "."))
        except ValueError:
            raise ValueError("Ange ett tal, t.ex. 7,9.") from None
    else:
        raise ValueError("Ange ett tal, t.ex. 7,9.")
    if not math.isfinite(number) or abs(number) > MAX_MAGNITUDE:
        raise ValueError("Ange ett tal, t.ex. 7,9.")
    return number


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class _Parser:
    """Collects each field's Swedish message; `value` is None for a field that failed or was left out."""

    def __init__(self, raw: dict):
        self.raw = raw
        self.errors: dict[str, str] = {}

    def get(self, name: str, parse, *, required: bool = True, missing: str = "Fältet måste fyllas i."):
        value = self.raw.get(name)
        if _blank(value):
            if required:
                self.errors[name] = missing
            return None
        try:
            return parse(value)
        except ValueError as exc:
            self.errors[name] = str(exc)
            return None


def _line(max_length: int):
    return lambda v: check_text(v, multiline=False, max_length=max_length)


def _direction(value: Any) -> str:
    if value not in DIRECTIONS:
        raise ValueError("Välj om högre eller lägre värden är bättre.")
    return value


def _frequency(value: Any) -> int:
    if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit())):
        raise ValueError(f"Ange ett heltal antal dagar från 1 till {MAX_FREQUENCY_DAYS}.")
    days = int(value)
    if not 1 <= days <= MAX_FREQUENCY_DAYS:
        raise ValueError(f"Ange ett heltal antal dagar från 1 till {MAX_FREQUENCY_DAYS}.")
    return days


def parse_indicator(raw: dict) -> dict:
    """The indicator's values, or ValidationError with a Swedish message per field."""
    p = _Parser(raw)
    values = {
        "name": p.get("name", _line(200)),
        "unit": p.get("unit", _line(40)),
        "direction": p.get("direction", _direction, missing="Välj om högre eller lägre värden är bättre."),
        "baseline": p.get("baseline", parse_number, missing="Ange utgångsvärdet."),
        "baseline_date": p.get("baseline_date", parse_date, missing="Ange datum för utgångsvärdet."),
        "target": p.get("target", parse_number, missing="Ange målvärdet."),
        "target_date": p.get("target_date", parse_date, missing="Ange när målet ska vara nått."),
        "frequency_days": p.get("frequency_days", _frequency, missing="Ange hur ofta indikatorn mäts (dagar)."),
    }
    unknown = set(raw) - set(values)
    for name in unknown:
        p.errors[name] = "Okänt fält."
    if values["baseline_date"] and values["target_date"] and values["target_date"] <= values["baseline_date"]:
        p.errors["target_date"] = "Måldatumet måste komma efter utgångsvärdets datum."
    if values["baseline"] is not None and values["target"] is not None and values["baseline"] == values["target"]:
        p.errors["target"] = "Målvärdet måste skilja sig från utgångsvärdet."
    if p.errors:
        raise ValidationError("Indikatorn kunde inte sparas.", p.errors)
    return values


def parse_measurement(raw: dict, indicator: Indicator, today: date) -> dict:
    """The measurement's values, or ValidationError: a number, dated from the baseline date up to today."""
    p = _Parser(raw)
    values = {
        "value": p.get("value", parse_number, missing="Ange värdet."),
        "measured_on": p.get("date", parse_date, missing="Ange datum för mätningen."),
        "source": p.get("source", _line(200), required=False),
        "comment": p.get("comment", lambda v: check_text(v, multiline=True, max_length=2000), required=False),
    }
    for name in set(raw) - {"value", "date", "source", "comment"}:
        p.errors[name] = "Okänt fält."
    day = values["measured_on"]
    if day is not None and day < indicator.baseline_date:
        p.errors["date"] = (f"Mätningen kan inte vara daterad före utgångsvärdets datum "
                            f"({indicator.baseline_date.isoformat()}).")
    elif day is not None and day > today:
        p.errors["date"] = "Mätningen kan inte vara daterad i framtiden."
    if p.errors:
        raise ValidationError("Mätningen kunde inte sparas.", p.errors)
    return values


def add_indicator(session: Session, actor, measure_id: int, data: dict, *, now: datetime | None = None) -> Indicator:
    """The owner or steering adds an indicator to a measure; one "add_indicator" history entry."""
    now = now or utcnow()
    with write_transaction(session):
        actor, measure = load_actor_and_case(session, actor, "measure", measure_id)
        require(actor, "follow_up", measure, denied="Bara åtgärdens ansvarig eller styrgruppen kan lägga till indikatorer.")
        values = parse_indicator(data)
        indicator = Indicator(measure_id=measure.id, created_by_id=actor.id, created_at=now, **values)
        session.add(indicator)
        add_history(session, case=measure, trigger="add_indicator", from_state=measure.state, actor=actor, at=now,
                    fields={k: to_record(v) for k, v in values.items()})
    return indicator


def add_measurement(session: Session, actor, indicator_id: int, data: dict,
                    *, now: datetime | None = None) -> Measurement:
    """The owner or steering records a value; one "add_measurement" history entry on the measure."""
    now = now or utcnow()
    with write_transaction(session):
        actor, indicator, measure = load_indicator_to_measure(session, actor, indicator_id)
        values = parse_measurement(data, indicator, local_today(now))
        measurement = record_measurement(session, actor, indicator, measure, values, now)
    return measurement


def load_indicator_to_measure(session: Session, actor, indicator_id: int) -> tuple[Any, Indicator, Measure]:
    """(actor, indicator, its measure) for recording values, inside the caller's transaction; NotFound, or
    PermissionDenied unless the actor may follow the measure up."""
    actor = load_actor(session, actor)
    indicator = session.get(Indicator, indicator_id) if _storable_id(indicator_id) else None
    if indicator is None:
        raise NotFound("Indikatorn finns inte.")
    _, measure = load_actor_and_case(session, actor, "measure", indicator.measure_id)
    require(actor, "follow_up", measure, denied="Bara åtgärdens ansvarig eller styrgruppen kan registrera mätvärden.")
    return actor, indicator, measure


def record_measurement(session: Session, actor, indicator: Indicator, measure: Measure, values: dict,
                       now: datetime) -> Measurement:
    """Add parsed values (`parse_measurement`) and their history entry, inside the caller's transaction."""
    measurement = Measurement(indicator_id=indicator.id, entered_by_id=actor.id, entered_at=now, **values)
    session.add(measurement)
    add_history(session, case=measure, trigger="add_measurement", from_state=measure.state, actor=actor,
                at=now, fields={"indicator": indicator.name, **{k: to_record(v) for k, v in values.items()
                                                               if v is not None}})
    return measurement


@dataclass(frozen=True)
class Chart:
    """A line chart's geometry in SVG user units, computed here so that the template only draws it."""
    width: int
    height: int
    points: list[tuple[float, float]]   # baseline first, then each measurement
    target_y: float
    low: float
    high: float


CHART_WIDTH, CHART_HEIGHT, CHART_MARGIN = 480, 160, 20


def chart_of(indicator: Indicator, measurements: list[Measurement]) -> Chart:
    """The baseline and every value against time from the baseline to the target date (or the last value)."""
    series = [(indicator.baseline_date, indicator.baseline)] + [(m.measured_on, m.value) for m in measurements]
    values = [v for _, v in series] + [indicator.target]
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    start = indicator.baseline_date
    days = max((max(indicator.target_date, series[-1][0]) - start).days, 1)
    inner_w, inner_h = CHART_WIDTH - 2 * CHART_MARGIN, CHART_HEIGHT - 2 * CHART_MARGIN

    def y(value: float) -> float:
        return round(CHART_MARGIN + inner_h * (high - value) / span, 1)

    points = [(round(CHART_MARGIN + inner_w * (day - start).days / days, 1), y(value)) for day, value in series]
    return Chart(CHART_WIDTH, CHART_HEIGHT, points, y(indicator.target), low, high)


def wrong_way(direction: str, latest: float, compared: float) -> bool:
    """Whether `latest` moved away from the target compared with `compared` (lower or higher is better)."""
    return latest > compared if direction == "lower" else latest < compared


# Where an indicator stands against its target, as the evaluate form, the API and the reports say it.
STANDINGS = {"reached": "Målet nått", "on_the_way": "På väg mot målet", "wrong_way": "Går åt fel håll",
             "no_value": "Inget mätvärde ännu"}


def standing(indicator: Indicator, latest: float | None) -> str:
    """A key of STANDINGS: reached when the latest value is at or beyond the target in the better direction,
    the wrong way when it is worse than the baseline, otherwise on the way."""
    if latest is None:
        return "no_value"
    if not wrong_way(indicator.direction, latest, indicator.target):
        return "reached"
    if wrong_way(indicator.direction, latest, indicator.baseline):
        return "wrong_way"
    return "on_the_way"


@dataclass(frozen=True)
class IndicatorStatus:
    """An indicator as a page or the API shows it: its values in date order, the latest, whether it is stale."""
    indicator: Indicator
    measurements: list[Measurement]
    latest: Measurement | None
    stale: bool

    def __getattr__(self, name):  # id, name, unit, baseline, target, … of the indicator
        return getattr(self.indicator, name)

    @property
    def standing(self) -> str:
        return standing(self.indicator, self.latest.value if self.latest else None)

    @property
    def verdict(self) -> str:
        return STANDINGS[self.standing]

    @property
    def chart(self) -> Chart:
        return chart_of(self.indicator, self.measurements)


def is_stale(indicator: Indicator, latest: Measurement | None, today: date) -> bool:
    """No value within `frequency_days` before today (the baseline counts until the first measurement)."""
    last_day = latest.measured_on if latest else indicator.baseline_date
    return today - last_day > timedelta(days=indicator.frequency_days)


def indicator_statuses(session: Session, measure_id: int, *, today: date | None = None) -> list[IndicatorStatus]:
    """Every indicator of the measure with its measurements, in two queries."""
    return indicator_statuses_by_measure(session, [measure_id], today=today)[measure_id]


def indicator_statuses_by_measure(session: Session, measure_ids: list[int], *, today: date | None = None,
                                  until: date | None = None) -> dict[int, list[IndicatorStatus]]:
    """Every indicator of each measure with its measurements (those up to `until` when given), in two queries
    whatever the number of measures."""
    today = today or local_today()
    statuses: dict[int, list[IndicatorStatus]] = {measure_id: [] for measure_id in measure_ids}
    if not measure_ids:
        return statuses
    indicators = session.scalars(select(Indicator).where(Indicator.measure_id.in_(measure_ids))
                                 .order_by(Indicator.id)).all()
    by_indicator: dict[int, list[Measurement]] = {i.id: [] for i in indicators}
    if indicators:
        query = select(Measurement).where(Measurement.indicator_id.in_(by_indicator))
        if until is not None:
            query = query.where(Measurement.measured_on <= until)
        for m in session.scalars(query.order_by(Measurement.measured_on, Measurement.id)):
            by_indicator[m.indicator_id].append(m)
    for indicator in indicators:
        values = by_indicator[indicator.id]
        latest = values[-1] if values else None
        statuses[indicator.measure_id].append(IndicatorStatus(indicator, values, latest,
                                                              is_stale(indicator, latest, today)))
    return statuses
