"""The follow-up of an audit over the API: the same read model as the page /granskningar/<id>/uppfoljning, and
its PDF. Who may is the `view_follow_up` action in workflows/audit.yaml."""
from __future__ import annotations

from marshmallow import fields

from kfflow.services.audit_follow_up import FLAG_LABELS, audit_follow_up, follow_up_document
from kfflow.services.documents import PDF
from webui.api.schemas import Boolean, Date, IndicatorSchema, Integer, Nested, Number, ResponseSchema, Text
from webui.api.framework import operation
from webui.db import get_session
from webui.documents import send_document

TAG = "Granskningar"


class FollowUpProgressSchema(ResponseSchema):
    reported_on = Date(required=True)
    done = Text(allow_none=True, required=True)
    ongoing = Text(allow_none=True, required=True)
    planned = Text(allow_none=True, required=True)


class FollowUpMeasureSchema(ResponseSchema):
    id = Integer(required=True)
    title = Text(required=True)
    state = Text(required=True)
    state_label = Text(required=True)
    due_date = Date(allow_none=True, required=True)
    late = Boolean(required=True, metadata={"description": "Slutdatumet har passerat i ett läge som kan bli "
                                                         "försenat (`can_be_late` i measure.yaml)"})
    latest_progress = Nested(FollowUpProgressSchema, allow_none=True, required=True)
    effect = Text(allow_none=True, required=True, metadata={"description": "Effekt vid utvärderingen (`effects`)"})
    effect_label = Text(allow_none=True, required=True)
    indicators = fields.List(fields.Nested(IndicatorSchema), required=True,
                             metadata={"description": "Som i GET /measures/<id>: senaste värde mot målet"})


class FollowUpFlagSchema(ResponseSchema):
    code = Text(required=True, metadata={"enum": list(FLAG_LABELS)})
    label = Text(required=True)
    measure_id = Integer(allow_none=True, required=True)
    detail = Text(allow_none=True, required=True,
                  metadata={"description": "Skälet till att ingen åtgärd vidtas; vilken åtgärd och när"})


class RecurringOfSchema(ResponseSchema):
    audit_id = Integer(required=True)
    audit_name = Text(required=True)
    audit_number = Text(required=True)
    recommendation_id = Integer(required=True)
    number = Integer(required=True)
    text = Text(required=True)
    score = Number(required=True, metadata={"description": "Likhet 0–100 (rapidfuzz; tröskeln i "
                                                           "workflows/follow_up.yaml)"})


class FollowUpRecommendationSchema(ResponseSchema):
    id = Integer(required=True)
    number = Integer(required=True)
    text = Text(required=True)
    answer = Text(allow_none=True, required=True)
    no_measure_reason = Text(allow_none=True, required=True)
    state = Text(required=True)
    answer_adopted_at = fields.DateTime(allow_none=True, required=True)
    recurring_of = Nested(RecurringOfSchema, allow_none=True, required=True,
                          metadata={"description": "En liknande rekommendation i en tidigare granskning"})
    flags = fields.List(fields.Nested(FollowUpFlagSchema), required=True)
    measures = fields.List(fields.Nested(FollowUpMeasureSchema), required=True)


class FollowUpSchema(ResponseSchema):
    audit_id = Integer(required=True)
    as_of = Date(required=True)
    recommendations = fields.List(fields.Nested(FollowUpRecommendationSchema), required=True)


@operation("/audits/<int:audit_id>/follow-up", "GET", summary="Uppföljning av en granskning", tag=TAG,
           response=FollowUpSchema(), errors=(403,))
def get_follow_up(user, audit_id):
    """Varje rekommendation med svaret, de utlovade åtgärdernas läge i dag och flaggor: `late` (utlovad åtgärd
    försenad), `no_measure` (med skälet), `dropped` (åtgärden avslagen eller återkallad efter svaret);
    `recurring_of` när en tidigare granskning gav en liknande rekommendation. Samma uppgifter som sidan
    /granskningar/<id>/uppfoljning."""
    return audit_follow_up(get_session(), user, audit_id)


@operation("/audits/<int:audit_id>/uppfoljning.pdf", "GET", summary="Uppföljningen som PDF", tag="Handlingar",
           produces=(PDF,), errors=(403,))
def follow_up_pdf(user, audit_id):
    """”Uppföljning av granskning …” som taggad PDF/A-3a, daterad i dag."""
    found = follow_up_document(get_session(), user, audit_id)
    return send_document(found.content, found.filename, found.media_type)
