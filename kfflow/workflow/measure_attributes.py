"""A measure's plain attributes (those people write directly, not through a transition) and their rules.

Below the services, so that the forms, the API and the spreadsheet import all validate the same way.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kfflow.models import Body, Measure
from kfflow.workflow import get_workflows
from kfflow.workflow.definition import FieldDef
from kfflow.workflow.fields import parse_fields


def _vocab(name: str):
    return get_workflows().vocabulary(name)


def attribute_fields() -> tuple[FieldDef, ...]:
    """The plain attributes of a measure that people write directly (not through a transition)."""
    return (
        FieldDef("title", "text", "Titel"),
        FieldDef("description", "text", "Beskrivning", required=False),
        FieldDef("category", "choice", "Kategori", required=False, options=_vocab("categories")),
        FieldDef("working_group", "choice", "Arbetsgrupp", required=False, options=_vocab("working_groups")),
        FieldDef("strategic_area", "choice", "Strategiskt område", required=False, options=_vocab("strategic_areas")),
        FieldDef("horizon", "choice", "Sikt", required=False, options=_vocab("horizons")),
        FieldDef("governing_plans", "text", "Styrande planer", required=False),
        FieldDef("expected_effect", "text", "Förväntad effekt", required=False),
        FieldDef("indicator", "text", "Mätetal", required=False),
        FieldDef("status_note", "text", "Status", required=False),
    )


def parse_measure_attributes(session: Session, data: dict, *, partial: bool,
                             fields: tuple[FieldDef, ...] | None = None) -> tuple[dict, dict]:
    """(values, errors) for a measure's plain attributes, by the same rules for forms, API and import.

    The import passes `attribute_fields()` built once instead of once per row.
    """
    fields = fields or attribute_fields()
    if partial:
        given = {f.name for f in fields} & set(data)
        fields = tuple(FieldDef(f.name, f.type, f.label, required=f.required and f.name in given,
                                options=f.options) for f in fields if f.name in given)
    values, errors = parse_fields(session, fields, data, Measure)
    if partial:
        # An explicitly emptied optional attribute is cleared.
        for f in fields:
            if f.name not in values and f.name not in errors and not f.required:
                values[f.name] = None
    if data.get("owner_body"):
        body = session.scalar(select(Body).where(Body.name == str(data["owner_body"]).strip()))
        if body is None:
            errors["owner_body"] = f"Ansvarig enhet: det finns ingen enhet ”{data['owner_body']}”."
        else:
            values["owner_body_id"] = body.id
    return values, errors
