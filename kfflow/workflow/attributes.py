"""The one declaration of what people write directly on a case (not through a transition).

From each set below are made: the web forms (`FieldDef`s rendered by `forms.field`), the JSON API's request
schemas (`webui/api/schemas.py`: `request_schema`) and the spreadsheet import's columns (`import_mapping.yaml`
names these attributes; their vocabularies come from here). `tests/test_api_form_parity.py` walks every web
form and checks the API takes the same fields for the same roles.

A choice names a vocabulary of `workflows/vocabularies.yaml` (resolved when the fields are asked for, so the
folder of workflows in use decides the options) or carries its options inline.
"""
from __future__ import annotations

from dataclasses import dataclass

from typing import Any

from kfflow.models import Audit, Comment, Measure, ProgressReport, Recommendation
from kfflow.workflow import get_workflows
from kfflow.workflow.definition import FieldDef, Option


@dataclass(frozen=True)
class Attribute:
    name: str
    type: str                       # a FieldDef type, or "body" (a unit by its name)
    label: str
    required: bool = False
    vocabulary: str | None = None   # a choice's options from workflows/vocabularies.yaml ...
    options: tuple[Option, ...] = ()  # ... or given here
    max_length: int | None = None   # a text with no column of its own (else the column decides)
    min: float | None = None
    max: float | None = None
    description: str = ""           # for openapi.json, where the label is not enough

    def field(self) -> FieldDef:
        options = get_workflows().vocabulary(self.vocabulary) if self.vocabulary else self.options
        return FieldDef(self.name, self.type, self.label, required=self.required, options=options,
                        min=self.min, max=self.max, multiline=self.max_length is None,
                        max_length=self.max_length)


@dataclass(frozen=True)
class AttributeSet:
    """The attributes one form (and one API body) writes, and the model whose columns they fill."""
    name: str
    model: Any
    attributes: tuple[Attribute, ...]

    def fields(self) -> tuple[FieldDef, ...]:
        return tuple(a.field() for a in self.attributes)

    def names(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.attributes)

    def get(self, name: str) -> Attribute | None:
        return next((a for a in self.attributes if a.name == name), None)

    def text_length(self, attribute: Attribute) -> int | None:
        """The longest text the attribute may hold: its column's length, else its own (None: no limit here)."""
        column = self.model.__table__.columns.get(attribute.name) if self.model is not None else None
        return getattr(getattr(column, "type", None), "length", None) or attribute.max_length


MEASURE = AttributeSet("measure", Measure, (
    Attribute("title", "text", "Titel", required=True),
    Attribute("description", "text", "Beskrivning"),
    Attribute("category", "choice", "Kategori", vocabulary="categories"),
    Attribute("working_group", "choice", "Arbetsgrupp", vocabulary="working_groups"),
    Attribute("strategic_area", "choice", "Strategiskt område", vocabulary="strategic_areas"),
    Attribute("horizon", "choice", "Sikt", vocabulary="horizons"),
    Attribute("owner_body", "body", "Ansvarig enhet", max_length=200,
              description="Namnet på en ansvarig enhet (t.ex. HSD och DC)"),
    Attribute("governing_plans", "text", "Styrande planer"),
    Attribute("expected_effect", "text", "Förväntad effekt"),
    Attribute("indicator", "text", "Mätetal"),
    Attribute("status_note", "text", "Status"),
    Attribute("scores", "scores", "Bedömning av effekt",
              description="Ett steg per kriterium i workflows/scoring.yaml, t.ex. {\"effect\": 3, "
                          "\"certainty\": 4, \"cost\": 2, \"time_to_effect\": 1}; steget anges med "
                          "sitt nummer eller sin etikett"),
))

# A progress report's three questions.
PROGRESS = AttributeSet("progress", ProgressReport, (
    Attribute("done", "text", "Vad är gjort?"),
    Attribute("ongoing", "text", "Vad pågår?"),
    Attribute("planned", "text", "Vad finns planerat?"),
))

AUDIT = AttributeSet("audit", Audit, (
    Attribute("name", "text", "Granskningens namn", required=True),
    Attribute("number", "text", "Nummer", required=True),
    Attribute("subject", "text", "Ämne", required=True),
    Attribute("diarienummer", "text", "Diarienummer"),
    Attribute("received", "date", "Inkom"),
    Attribute("response_due", "date", "Svar senast"),
    Attribute("responding_body", "text", "Svarande organ"),
    Attribute("addressee", "text", "Mottagare"),
    Attribute("template", "choice", "Mall för yttrandet",
              options=(Option("board", "Styrelse"), Option("committee", "Nämnd")),
              description="Yttrandets layout: board (svar under varje rekommendation) eller committee "
                          "(punktlista först, sammanfattning sist)"),
    Attribute("summary", "text", "Sammanfattning"),
    Attribute("signatories", "signatories", "Undertecknare",
              description="Undertecknare i ordning; på webbsidan en per rad: namn, titel"),
))

RECOMMENDATION = AttributeSet("recommendation", Recommendation, (
    Attribute("number", "number", "Nummer", required=True, min=1, max=999),
    Attribute("text", "text", "Rekommendationens text", required=True),
))

# A recommendation's answer, as its owner and the registrar write it. Who owns it is not part of the
# answer: that is the `reassign` transition.
ANSWER = AttributeSet("answer", Recommendation, (
    Attribute("answer", "text", "Svar"),
    Attribute("measure_ids", "measures", "Åtgärder som svaret utlovar"),
    Attribute("no_measure_reason", "text", "Skäl till att ingen åtgärd vidtas"),
))

COMMENT = AttributeSet("comment", Comment, (
    Attribute("body", "text", "Kommentar", required=True),
))

# Handing many open cases over to a new owner at once (the `reassign` transition, once per case).
HANDOVER = AttributeSet("handover", None, (
    Attribute("to_owner", "user", "Ny ansvarig", required=True),
    Attribute("reason", "text", "Motivering", required=True),
))

ATTRIBUTE_SETS = (MEASURE, PROGRESS, AUDIT, RECOMMENDATION, ANSWER, COMMENT, HANDOVER)
