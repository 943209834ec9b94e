"""A measure's plain attributes (those people write directly, not through a transition) and their rules.

Below the services, so that the forms, the API and the spreadsheet import all validate the same way.
"""
from __future__ import annotations

from dataclasses import replace

from sqlalchemy.orm import Session

from kfflow.models import Measure
from kfflow.workflow.attributes import MEASURE
from kfflow.workflow.definition import FieldDef
from kfflow.workflow.fields import parse_fields


def attribute_fields() -> tuple[FieldDef, ...]:
    """The plain attributes of a measure that people write directly (not through a transition)."""
    return MEASURE.fields()


def parse_measure_attributes(session: Session, data: dict, *, partial: bool,
                             fields: tuple[FieldDef, ...] | None = None) -> tuple[dict, dict]:
    """(values, errors) for a measure's plain attributes, by the same rules for forms, API and import.

    The import passes `attribute_fields()` built once instead of once per row.
    """
    fields = fields or attribute_fields()
    if partial:
        given = {f.name for f in fields} & set(data)
        fields = tuple(replace(f, required=f.required and f.name in given) for f in fields if f.name in given)
    values, errors = parse_fields(session, fields, data, Measure)
    if partial:
        # An explicitly emptied optional attribute is cleared.
        for f in fields:
            if f.name not in values and f.name not in errors and not f.required:
                values[f.name] = None
    if "owner_body" in values:  # stored as the unit's id (a bulk insert writes columns, not relationships)
        body = values.pop("owner_body")
        values["owner_body_id"] = body.id if body is not None else None
    return values, errors
