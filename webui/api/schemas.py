"""Marshmallow schemas of the JSON API: they parse request bodies, serialise responses and feed openapi.json.

One definition per shape, so the published description and what the server sends cannot drift apart.
Field error messages are Swedish: they reach users through the `fields` of a 422 answer.
"""
from __future__ import annotations

from marshmallow import EXCLUDE, INCLUDE, RAISE, Schema, fields, post_dump, pre_load, validate
from marshmallow import ValidationError as MarshmallowError

from kfflow.models.notification import DELIVERY_MODES
from kfflow.services.audits import OWNER_VIA_REASSIGN
from kfflow.services.indicators import STANDINGS
from kfflow.workflow import get_workflows
from kfflow.workflow.definition import FIELD_TYPES
from kfflow.workflow.attributes import (ANSWER, AUDIT, COMMENT, HANDOVER, MEASURE, PROGRESS, RECOMMENDATION, Attribute,
                                       AttributeSet)
from kfflow.workflow.fields import MAX_ID, MAX_TEXT

_BASE_MESSAGES = {
    "required": "Fältet måste fyllas i.",
    "null": "Fältet får inte vara null.",
    "validator_failed": "Ogiltigt värde.",
}


class Text(fields.String):
    default_error_messages = {**_BASE_MESSAGES, "invalid": "Ange en text.",
                              "invalid_utf8": "Texten är inte giltig UTF-8."}


class Integer(fields.Integer):
    default_error_messages = {**_BASE_MESSAGES, "invalid": "Ange ett heltal.", "too_large": "Talet är för stort."}


class Boolean(fields.Boolean):
    default_error_messages = {**_BASE_MESSAGES, "invalid": "Ange true eller false."}


class Date(fields.Date):
    default_error_messages = {**_BASE_MESSAGES, "invalid": "Ange ett giltigt datum som ÅÅÅÅ-MM-DD.",
                              "format": "Ange ett giltigt datum som ÅÅÅÅ-MM-DD."}


class Number(fields.Float):
    default_error_messages = {**_BASE_MESSAGES, "invalid": "Ange ett tal.", "too_large": "Talet är för stort.",
                              "special": "Ange ett ändligt tal."}

    def __init__(self, **kw):
        super().__init__(allow_nan=False, **kw)


class DateTime(fields.DateTime):
    default_error_messages = {**_BASE_MESSAGES}


class List(fields.List):
    default_error_messages = {**_BASE_MESSAGES, "invalid": "Ange en lista."}


class Dict(fields.Dict):
    default_error_messages = {**_BASE_MESSAGES, "invalid": "Ange ett objekt."}


def scores_field(**kw) -> Dict:
    """A judgement: criterion → step (its number, or its label; the service checks it against the scale)."""
    return Dict(keys=text(60), values=fields.Raw(), **kw)


class Nested(fields.Nested):
    default_error_messages = {**_BASE_MESSAGES, "type": "Ange ett objekt."}


def text(max_length: int = MAX_TEXT, **kw) -> Text:
    return Text(validate=validate.Length(max=max_length, error=f"Högst {max_length} tecken."), **kw)


def case_id(**kw) -> Integer:
    return Integer(validate=validate.Range(min=1, max=MAX_ID, error="Ange ett giltigt nummer."), **kw)


def out(field: fields.Field) -> fields.Field:
    """A response-only field (documented as readOnly)."""
    field.dump_only = True
    return field


class RequestSchema(Schema):
    """Request bodies: unknown fields are an error, not silently dropped."""

    class Meta:
        unknown = RAISE

    error_messages = {"unknown": "Okänt fält.", "type": "Ange ett JSON-objekt."}


def version_field() -> Integer:
    """The version a client read: strictly an integer (1.5 is refused, not read as 1)."""
    return Integer(required=True, strict=True, validate=validate.Range(min=0, max=MAX_ID, error="Ange en giltig version."),
                   metadata={"description": "`version` från senaste läsningen; 409 om någon annan har ändrat "
                                            "ärendet under tiden"})


class SignatorySchema(Schema):
    class Meta:
        unknown = RAISE

    error_messages = RequestSchema.error_messages
    name = text(200, required=True)
    title = text(200, load_default="")


def _attribute_field(a: Attribute, max_length: int | None, *, required: bool) -> fields.Field:
    """The API field of one declared attribute (kfflow/workflow/attributes.py)."""
    description = a.description or a.label
    if a.vocabulary:
        description += f" (värde, etikett eller alias ur vokabulären {a.vocabulary})"
    elif a.options:
        description += " (" + ", ".join(f"{o.value} = {o.label}" for o in a.options) + ")"
    kw = dict(required=required, allow_none=not required, metadata={"description": description})
    if a.type == "date":
        return Date(**kw)
    if a.type == "number":
        return Integer(validate=validate.Range(min=a.min, max=a.max, error=f"Ange ett heltal från {a.min:g} "
                                                                            f"till {a.max:g}."), **kw)
    if a.type == "measures":
        return List(case_id(), **kw)
    if a.type == "signatories":
        return List(Nested(SignatorySchema), **kw)
    if a.type == "scores":
        return scores_field(**kw)
    if a.type == "user":
        return text(80, **kw)
    return text(max_length or MAX_TEXT, **kw)


def request_schema(attributes: AttributeSet, name: str, *, partial: bool = False,
                   extra: dict[str, fields.Field] | None = None) -> type[RequestSchema]:
    """A request body made from one declared attribute set: the same fields as the web form.

    `partial`: an edit, where nothing is required (and `null` or "" clears an optional attribute).
    """
    declared = {a.name: _attribute_field(a, attributes.text_length(a), required=a.required and not partial)
                for a in attributes.attributes}
    return RequestSchema.from_dict({**declared, **(extra or {})}, name=name)


class ResponseSchema(Schema):
    class Meta:
        unknown = EXCLUDE


class Score(Integer):
    """A measure's score under workflows/scoring.yaml, computed from its judgement (null until fully judged)."""

    def get_value(self, obj, attr, accessor=None, default=None):
        scoring = get_workflows().scoring
        return scoring.score(obj.scores) if scoring is not None else None


class StateLabel(Text):
    """The Swedish label of the case's state in the lifecycle version it runs under."""

    def get_value(self, obj, attr, accessor=None, default=None):
        return get_workflows().get(obj.workflow_name, obj.workflow_version).state_label(obj.state)


class With:
    """An object seen with some extra attributes, for serialising what a model does not carry itself."""

    def __init__(self, obj, **extra):
        self._obj = obj
        self.__dict__.update(extra)

    def __getattr__(self, name):
        return getattr(self._obj, name)


# --- errors -------------------------------------------------------------------------------------

class ErrorDetailSchema(ResponseSchema):
    code = Text(required=True)
    message = Text(required=True)
    field_errors = fields.Dict(keys=Text(), values=Text(), required=True, data_key="fields", attribute="fields",
                               metadata={"description": "Fältnamn → svenskt felmeddelande"})


class ErrorSchema(ResponseSchema):
    error = fields.Nested(ErrorDetailSchema, required=True)


# --- tokens -------------------------------------------------------------------------------------

class TokenRequestSchema(RequestSchema):
    username = text(80, required=True)
    password = text(1000, required=True, load_only=True)


class PasswordChangeSchema(RequestSchema):
    current_password = text(1000, required=True, load_only=True)
    new_password = text(1000, required=True, load_only=True)


class TokenSchema(ResponseSchema):
    token = Text(required=True)
    expires = DateTime(required=True)


class ApiKeyRequestSchema(RequestSchema):
    name = text(100, required=True, metadata={"description": "vad nyckeln används till, t.ex. ”Rapportverktyget”"})
    expires = Text(required=True, metadata={"description": "sista dag nyckeln gäller, ÅÅÅÅ-MM-DD; högst "
                                                            "KFFLOW_API_TOKEN_MAX_DAYS dagar fram"})


class ApiKeySchema(ResponseSchema):
    id = Integer(required=True)
    name = Text(allow_none=True, required=True,
                metadata={"description": "null för en nyckel från POST /tokens (användarnamn och lösenord)"})
    created = DateTime(required=True)
    expires = DateTime(required=True)
    last_used = DateTime(allow_none=True, required=True,
                         metadata={"description": "ungefär: uppdateras högst var femte minut"})


class ApiKeyPageSchema(ResponseSchema):
    items = fields.List(fields.Nested(ApiKeySchema), required=True)


class NewApiKeySchema(ApiKeySchema):
    token = Text(required=True, metadata={"description": "visas bara nu; kfflow sparar bara dess kontrollsumma"})


class ServiceAccountRequestSchema(RequestSchema):
    username = text(80, required=True)
    display_name = text(200, load_default=None, allow_none=True)
    role = text(40, required=True)


class ServiceAccountSchema(ResponseSchema):
    id = Integer(required=True)
    username = Text(required=True)
    display_name = Text(required=True)
    role = Text(required=True)
    active = Boolean(required=True)


class ServiceAccountPageSchema(ResponseSchema):
    items = fields.List(fields.Nested(ServiceAccountSchema), required=True)


class AccountEventSchema(ResponseSchema):
    at = DateTime(required=True)
    username = Text(required=True, metadata={"description": "kontot det gäller"})
    kind = Text(required=True, metadata={"description": "break_glass_sign_in, token_created eller token_revoked"})
    label = Text(required=True)
    detail = Text(required=True, metadata={"description": "nödinloggning: väg (web/api) och adress; nyckel: "
                                                           "dess namn"})
    by = Text(required=True, allow_none=True, metadata={"description": "administratören, om inte kontot självt"})


class AccountEventPageSchema(ResponseSchema):
    items = fields.List(fields.Nested(AccountEventSchema), required=True,
                        metadata={"description": "De senaste 100, nyaste först"})


class ActiveSchema(RequestSchema):
    active = Boolean(required=True)


# --- users and history ----------------------------------------------------------------------------

class UserRefSchema(ResponseSchema):
    username = Text(required=True)
    display_name = Text(required=True)


class HistoryItemSchema(ResponseSchema):
    trigger = Text(required=True)
    from_ = Text(data_key="from", attribute="from_state", allow_none=True, required=True)
    to = Text(attribute="to_state", required=True)
    actor = Nested(UserRefSchema, allow_none=True, required=True)
    at = DateTime(required=True)
    given = fields.Dict(keys=Text(), required=True, data_key="fields", attribute="fields",
                        metadata={"description": "Det som angavs vid övergången"})
    comment = Text(allow_none=True, required=True)


class HistorySchema(ResponseSchema):
    items = fields.List(fields.Nested(HistoryItemSchema), required=True)


# --- transitions --------------------------------------------------------------------------------

class OptionSchema(ResponseSchema):
    value = Text(required=True)
    label = Text(required=True)


class FieldSchema(ResponseSchema):
    name = Text(required=True)
    type = Text(required=True, metadata={"enum": list(FIELD_TYPES)})
    label = Text(required=True)
    required = Boolean(required=True)
    options = fields.List(fields.Nested(OptionSchema))
    min = fields.Float(allow_none=True)
    max = fields.Float(allow_none=True)

    @post_dump
    def _only_what_applies(self, data, **_kw):
        # "options" only for choices, bounds only for numbers.
        return {k: v for k, v in data.items() if v not in (None, []) or k not in ("options", "min", "max")}


class TransitionSchema(ResponseSchema):
    trigger = Text(required=True)
    label = Text(required=True)
    dest = Text(required=True)
    dest_label = Text(required=True)
    required = fields.List(fields.Nested(FieldSchema), attribute="plain_fields", required=True,
                           metadata={"description": "Fälten övergången tar emot, ett värde vardera; `required` säger "
                                                    "om de måste anges (bedömningen enligt poängmodellen: `judgement`)"})
    judgement = fields.Nested(FieldSchema, allow_none=True, required=True, metadata={
        "description": "När övergången tar en bedömning enligt workflows/scoring.yaml: skicka fältet (`scores`) som "
                       "ett objekt {kriterium: steg}; kriterierna och deras steg står i GET /measures/ranking. "
                       "Frivillig: en åtgärd utan bedömning hamnar sist i rangordningen."})
    evidence = fields.Boolean(required=True, metadata={
        "description": "Tar emot underlag: skicka då begäran som multipart/form-data med filerna i `attachments`"})


class ActionSchema(ResponseSchema):
    name = Text(required=True, metadata={"description": "Som i workflows/*.yaml, t.ex. edit, report_progress"})
    label = Text(required=True)


def offered(offer) -> dict:
    """A detail's `transitions` and `actions` from what the services offer (kfflow.services.access.Offer)."""
    return {"transitions": list(offer.transitions), "actions": list(offer.actions.values())}


class FireSchema(RequestSchema):
    """`trigger` and `version`, plus the transition's fields by name (a user by username, a date as ISO 8601,
    a choice by its option value)."""

    class Meta:
        unknown = INCLUDE

    trigger = text(60, required=True)
    version = version_field()


# --- measures -----------------------------------------------------------------------------------



ProposeMeasureSchema = request_schema(MEASURE, "ProposeMeasureSchema")
UpdateMeasureSchema = request_schema(MEASURE, "UpdateMeasureSchema", partial=True, extra={"version": version_field()})


ProgressRequestSchema = request_schema(PROGRESS, "ProgressRequestSchema", extra={
    "version": version_field(), "reported_on": Date(allow_none=True, metadata={"description": "Standard: i dag"})})


CommentRequestSchema = request_schema(COMMENT, "CommentRequestSchema")


class CommentSchema(ResponseSchema):
    id = Integer(required=True)
    author = Nested(UserRefSchema, required=True)
    body = Text(required=True)
    at = DateTime(required=True)


class CommentPageSchema(ResponseSchema):
    items = fields.List(fields.Nested(CommentSchema), required=True)


HandoverRequestSchema = request_schema(HANDOVER, "HandoverRequestSchema", extra={
    "measure_ids": List(case_id(), required=True, validate=validate.Length(min=1, max=1000, error="Välj 1–1000 åtgärder."),
                        metadata={"description": "Åtgärderna som lämnas över"}),
    "dry_run": Boolean(load_default=False, metadata={"description": "Visa bara vad som skulle hända"})})


class HandedOverSchema(ResponseSchema):
    kind = Text(required=True)
    id = Integer(required=True)
    title = Text(required=True)


class SkippedSchema(HandedOverSchema):
    why = Text(required=True)


class HandoverResultSchema(ResponseSchema):
    handed_over = fields.List(fields.Nested(HandedOverSchema), required=True)
    skipped = fields.List(fields.Nested(SkippedSchema), required=True)
    dry_run = Boolean(required=True)


# --- secrecy (OSL) ---------------------------------------------------------------------------------

def _subjects() -> list[str]:
    from kfflow.services.secrecy import SUBJECTS

    return list(SUBJECTS)


def _grounds() -> list[str]:
    return [o.value for o in get_workflows().vocabulary("secrecy_grounds")]


class SecrecySchema(ResponseSchema):
    """How a marked case, progress report or document reaches this caller."""

    ground = Text(required=True, metadata={"description": "Kapitel och paragraf i OSL, t.ex. OSL 39:3"})
    label = Text(required=True)
    notice = Text(required=True, metadata={"description": "Det som visas i stället: Uppgift omfattas av sekretess (…)"})
    reason = Text(allow_none=True, required=True, metadata={"description": "Bara för den som får läsa uppgiften"})
    masked = Boolean(required=True, metadata={"description": "Sant när de hemliga fälten är ersatta med notice"})


def secrecy_field() -> Nested:
    return Nested(SecrecySchema, allow_none=True, required=True,
                  metadata={"description": "Sekretessmarkering (OSL), null om uppgiften inte är markerad"})


class MarkSecrecySchema(RequestSchema):
    subject = Text(required=True, validate=validate.OneOf(_subjects(), error="Okänd typ av uppgift."),
                   metadata={"enum": _subjects()})
    subject_id = case_id(required=True)
    ground = Text(required=True, validate=validate.OneOf(_grounds(), error="Välj en sekretessgrund ur listan."),
                  metadata={"enum": _grounds()})
    reason = text(2000, required=True)


class LiftSecrecySchema(RequestSchema):
    subject = Text(required=True, validate=validate.OneOf(_subjects(), error="Okänd typ av uppgift."),
                   metadata={"enum": _subjects()})
    subject_id = case_id(required=True)
    reason = text(2000, required=True)


class SecrecyMarkingSchema(ResponseSchema):
    subject = Text(required=True, attribute="subject_kind")
    subject_id = Integer(required=True)
    case_kind = Text(required=True)
    case_id = Integer(required=True)
    secrecy = secrecy_field()


class AttachmentSchema(ResponseSchema):
    id = Integer(required=True, metadata={"description": "Hämtas med GET /attachments/{id}"})
    filename = Text(required=True)
    media_type = Text(required=True)
    size = Integer(required=True, metadata={"description": "Byte"})
    sha256 = Text(required=True)
    uploaded_at = DateTime(required=True)
    uploaded_by = Text(allow_none=True, required=True, metadata={"description": "Vem som laddade upp (namn)"})
    trigger = Text(required=True, metadata={"description": "Händelsen underlaget hör till: report_progress, "
                                                           "implement, evaluate …"})
    progress_report_id = Integer(allow_none=True, required=True)
    secrecy = secrecy_field()


class ProgressReportSchema(ResponseSchema):
    id = Integer(required=True)
    secrecy = secrecy_field()
    measure_version = Integer(required=True, metadata={"description": "Åtgärdens nya version"})
    reported_on = Date(required=True)
    author = Nested(UserRefSchema, allow_none=True, required=True)
    done = Text(allow_none=True, required=True)
    ongoing = Text(allow_none=True, required=True)
    planned = Text(allow_none=True, required=True)
    attachments = fields.List(fields.Nested(AttachmentSchema), required=True)


class BodyRefSchema(ResponseSchema):
    name = Text(required=True)


class CaseSchema(ResponseSchema):
    """What every case kind carries: its place in the lifecycle, its owner, its optimistic-lock version."""

    id = Integer(required=True)
    state = Text(required=True)
    state_label = StateLabel(required=True)
    version = Integer(required=True, metadata={"description": "Skicka med vid ändringar; 409 om den är inaktuell"})
    owner = Nested(UserRefSchema, allow_none=True, required=True)
    created_at = DateTime(required=True)
    updated_at = DateTime(required=True)
    secrecy = secrecy_field()


class OutcomeSchema(CaseSchema):
    """What measures and recommendations record on their way: the decision, the work done, the follow-up."""

    decision_ref = Text(allow_none=True, required=True)
    implementation_note = Text(allow_none=True, required=True)
    evaluation = Text(allow_none=True, required=True)


class MeasureSchema(OutcomeSchema):
    title = Text(required=True)
    description = Text(allow_none=True, required=True)
    category = Text(allow_none=True, required=True)
    working_group = Text(allow_none=True, required=True)
    strategic_area = Text(allow_none=True, required=True)
    horizon = Text(allow_none=True, required=True)
    owner_body = Nested(BodyRefSchema, allow_none=True, required=True)
    proposer = Nested(UserRefSchema, allow_none=True, required=True)
    governing_plans = Text(allow_none=True, required=True)
    priority = Integer(allow_none=True, required=True)
    expected_effect = Text(allow_none=True, required=True)
    indicator = Text(allow_none=True, required=True)
    due_date = Date(allow_none=True, required=True)
    effect = Text(allow_none=True, required=True)
    status_note = Text(allow_none=True, required=True)
    scores = Dict(keys=Text(), values=Integer(), allow_none=True, required=True,
                  metadata={"description": "Bedömningen: ett steg per kriterium i workflows/scoring.yaml"})
    score = Score(allow_none=True, required=True,
                  metadata={"description": "Poäng: summan av vikt × poäng per kriterium; null tills alla "
                                           "kriterier är bedömda. Sortera listan med sort=-score"})


class IndicatorRequestSchema(RequestSchema):
    name = text(200, required=True)
    unit = text(40, required=True, metadata={"description": "T.ex. %, antal, dagar"})
    direction = Text(required=True, validate=validate.OneOf(["higher", "lower"], error="Ange higher eller lower."),
                     metadata={"description": "higher = högre värden är bättre, lower = lägre värden är bättre"})
    baseline = Number(required=True, metadata={"description": "Utgångsvärde"})
    baseline_date = Date(required=True)
    target = Number(required=True, metadata={"description": "Målvärde"})
    target_date = Date(required=True, metadata={"description": "När målet ska vara nått (efter baseline_date)"})
    frequency_days = Integer(required=True, strict=True, metadata={"description": "Hur ofta indikatorn mäts, i "
                                                                                  "dagar; utan värde så länge "
                                                                                  "är den inaktuell (stale)"})


class MeasurementRequestSchema(RequestSchema):
    value = Number(required=True)
    date = Date(required=True, metadata={"description": "Inte före indikatorns baseline_date och inte i framtiden"})
    source = text(200, allow_none=True)
    comment = text(2000, allow_none=True)


class MeasurementSchema(ResponseSchema):
    id = Integer(required=True)
    value = Number(required=True)
    date = Date(required=True, attribute="measured_on")
    source = Text(allow_none=True, required=True)
    comment = Text(allow_none=True, required=True)
    entered_by = Nested(UserRefSchema, allow_none=True, required=True)
    entered_at = DateTime(required=True)


class LatestValueSchema(ResponseSchema):
    value = Number(required=True)
    date = Date(required=True, attribute="measured_on")


class IndicatorSchema(ResponseSchema):
    id = Integer(required=True)
    name = Text(required=True)
    unit = Text(required=True)
    direction = Text(required=True)
    baseline = Number(required=True)
    baseline_date = Date(required=True)
    target = Number(required=True)
    target_date = Date(required=True)
    frequency_days = Integer(required=True)
    latest = Nested(LatestValueSchema, allow_none=True, required=True)
    stale = Boolean(required=True, metadata={"description": "Inget värde inom frequency_days"})
    standing = Text(required=True, validate=validate.OneOf(list(STANDINGS)), metadata={
        "description": "Läget mot målet: reached (målet nått), on_the_way (på väg mot målet), wrong_way (senaste "
                       "värdet sämre än utgångsvärdet), no_value (inget mätvärde ännu)"})
    verdict = Text(required=True, metadata={"description": "Läget mot målet i ord, t.ex. ”Målet nått”"})
    measurements = fields.List(fields.Nested(MeasurementSchema), required=True, metadata={"description": "Äldst först"})


class MeasureDetailSchema(MeasureSchema):
    transitions = fields.List(fields.Nested(TransitionSchema), required=True,
                              metadata={"description": "Övergångar den inloggade får göra nu"})
    actions = fields.List(fields.Nested(ActionSchema), required=True,
                          metadata={"description": "Annat den inloggade får göra med åtgärden nu"})
    progress_reports = fields.List(fields.Nested(ProgressReportSchema), required=True)
    indicators = fields.List(fields.Nested(IndicatorSchema), required=True)
    attachments = fields.List(fields.Nested(AttachmentSchema), required=True,
                              metadata={"description": "Underlag till lägesrapporter och övergångar, äldst först"})


class StatusCountsSchema(ResponseSchema):
    on_track = Integer(required=True, metadata={"description": "I fas"})
    at_risk = Integer(required=True, metadata={"description": "Risk för försening"})
    late = Integer(required=True, metadata={"description": "Försenade"})


def _per_state(description: str) -> fields.Dict:
    return fields.Dict(keys=Text(), values=fields.Dict(keys=Text(), values=Integer()), required=True,
                       metadata={"description": description + " → läge (`state`) → antal; nyckeln \"\" = utan värde"})


class AtRiskReasonsSchema(ResponseSchema):
    due_soon_unreported = Integer(required=True, metadata={"description": "Snart slutdatum utan lägesrapport"})
    stale_indicator = Integer(required=True, metadata={"description": "En indikator utan värde inom sin frekvens"})
    wrong_way_indicator = Integer(required=True, metadata={"description": "En indikator som rör sig åt fel håll"})


class SinceLastMeetingSchema(ResponseSchema):
    meeting_date = Date(required=True, allow_none=True,
                        metadata={"description": "Styrgruppens senaste möte före `as_of` (reminders.yaml); null före det första"})
    decided = Integer(required=True, metadata={"description": "Beslutade efter mötesdagen"})
    implemented = Integer(required=True, metadata={"description": "Genomförda efter mötesdagen"})
    evaluated = Integer(required=True, metadata={"description": "Utvärderade efter mötesdagen"})
    newly_late = Integer(required=True, metadata={"description": "Slutdatum efter mötesdagen som nu har passerat"})
    due_dates_moved = Integer(required=True, metadata={"description": "Flyttade slutdatum efter mötesdagen"})


class LagesbildSchema(ResponseSchema):
    as_of = Date(required=True)
    working_group = Text(required=True, allow_none=True, metadata={"description": "Filtret, eller null för alla"})
    counts = fields.Dict(keys=Text(), values=Integer(), required=True,
                         metadata={"description": "Antal åtgärder per läge (`state`)"})
    status = Nested(StatusCountsSchema, required=True,
                    metadata={"description": "Status för pågående åtgärder enligt workflows/lagesbild.yaml"})
    at_risk_reasons = Nested(AtRiskReasonsSchema, required=True,
                             metadata={"description": "Varför åtgärder har risk (den första orsaken per åtgärd)"})
    since_last_meeting = Nested(SinceLastMeetingSchema, required=True)
    by_category = _per_state("Kategori")
    by_working_group = _per_state("Arbetsgrupp")
    by_strategic_area = _per_state("Strategiskt område")


class LagesbildQuerySchema(RequestSchema):
    """Raw strings: the service parses them, so the page and the API give the same Swedish messages."""
    as_of = text(40, metadata={"description": "Dag att bedöma status och mötesfönster vid (ÅÅÅÅ-MM-DD), i dag om tom"})
    working_group = text(200, metadata={"description": "Bara en arbetsgrupp (värde ur vokabulären working_groups)"})


class FreezeRequestSchema(RequestSchema):
    working_group = text(200, allow_none=True,
                         metadata={"description": "Frys bara en arbetsgrupps lägesbild (annars alla)"})


class SnapshotSchema(ResponseSchema):
    id = Integer(required=True)
    as_of = Date(required=True)
    meeting_date = Date(required=True, allow_none=True,
                        metadata={"description": "Styrgruppsmötet den frystes vid, eller null om någon frös den"})
    working_group = Text(required=True, allow_none=True)
    frozen_at = DateTime(required=True)
    frozen_by = Nested(UserRefSchema, required=True, allow_none=True)


class SnapshotPageSchema(ResponseSchema):
    items = fields.List(fields.Nested(SnapshotSchema), required=True, metadata={"description": "Nyast först"})


class TrendSchema(ResponseSchema):
    previous_id = Integer(required=True)
    previous_as_of = Date(required=True)
    status = fields.Dict(keys=Text(), values=Integer(), required=True, metadata={"description": "Ändring per status"})
    counts = fields.Dict(keys=Text(), values=Integer(), required=True, metadata={"description": "Ändring per läge"})


class SnapshotDetailSchema(SnapshotSchema):
    lagesbild = Nested(LagesbildSchema, required=True, metadata={"description": "Siffrorna som de frystes"})
    trend = Nested(TrendSchema, required=True, allow_none=True,
                   metadata={"description": "Mot den förra frysta lägesbilden med samma urval; null för den första"})


class ScaleStepSchema(ResponseSchema):
    value = Integer(required=True)
    label = Text(required=True)


class CriterionSchema(ResponseSchema):
    name = Text(required=True, metadata={"description": "Som i workflows/scoring.yaml, t.ex. effect"})
    label = Text(required=True)
    description = Text(required=True)
    weight = Integer(required=True)
    better = Text(required=True, metadata={"description": "higher = högre steg är bättre, lower = steg 1 är bäst"})
    scale = fields.List(fields.Nested(ScaleStepSchema), required=True, attribute="steps")


class ScoreLineSchema(ResponseSchema):
    criterion = Text(required=True, attribute="criterion.name")
    step = Integer(allow_none=True, required=True)
    step_label = Text(required=True)
    points = Integer(allow_none=True, required=True)
    contribution = Integer(allow_none=True, required=True, metadata={"description": "Vikt × poäng"})


class RankedMeasureSchema(ResponseSchema):
    rank = Integer(allow_none=True, required=True, metadata={"description": "Plats 1, 2, …; null om åtgärden "
                                                                             "inte är bedömd ännu"})
    id = Integer(required=True)
    title = Text(required=True)
    state = Text(required=True)
    state_label = Text(required=True)
    score = Integer(allow_none=True, required=True)
    breakdown = fields.List(fields.Nested(ScoreLineSchema), required=True, attribute="lines")


class RankingSchema(ResponseSchema):
    as_of = Date(required=True)
    maximum = Integer(required=True, metadata={"description": "Högsta möjliga poäng"})
    states = fields.List(Text(), required=True, metadata={"description": "Lägena som rangordnas (taggen "
                                                                         "ranked i measure.yaml)"})
    criteria = fields.List(fields.Nested(CriterionSchema), required=True)
    items = fields.List(fields.Nested(RankedMeasureSchema), required=True,
                        metadata={"description": "Högst poäng först, lika poäng efter nummer; obedömda sist"})


class MeasurePageSchema(ResponseSchema):
    items = fields.List(fields.Nested(MeasureSchema), required=True)
    total = Integer(required=True)


def _sort_values() -> list[str]:
    from kfflow.services.measure_list import SORTS

    return [s for key in SORTS for s in (key, f"-{key}")]


class MeasureExportQuerySchema(RequestSchema):
    """The list's filters and order (an export holds every match, unpaged)."""

    state = List(text(40), metadata={"description": "Ett eller flera lägen (upprepa parametern)"})
    category = text(40)
    working_group = text(120)
    owner = text(80, metadata={"description": "Ansvarigs användarnamn"})
    overdue = Boolean(metadata={"description": "Bara försenade (slutdatum passerat, inte genomförda)"})
    q = text(200, metadata={"description": "Fritext i titel och beskrivning"})
    sort = Text(load_default="id", validate=validate.OneOf(_sort_values(), error="Okänd sortering."),
                metadata={"enum": _sort_values()})


class MeasureQuerySchema(MeasureExportQuerySchema):
    limit = Integer(load_default=50, validate=validate.Range(min=1, max=200, error="Ange 1–200."))
    offset = Integer(load_default=0, validate=validate.Range(min=0, max=MAX_ID, error="Ange 0 eller mer."))


class PageQuerySchema(RequestSchema):
    limit = Integer(load_default=50, validate=validate.Range(min=1, max=200, error="Ange 1–200."))
    offset = Integer(load_default=0, validate=validate.Range(min=0, max=MAX_ID, error="Ange 0 eller mer."))


# --- audits and recommendations -------------------------------------------------------------------



RegisterAuditSchema = request_schema(AUDIT, "RegisterAuditSchema")
UpdateAuditSchema = request_schema(AUDIT, "UpdateAuditSchema", partial=True, extra={"version": version_field()})
RecommendationRequestSchema = request_schema(RECOMMENDATION, "RecommendationRequestSchema")


class UpdateRecommendationSchema(request_schema(ANSWER, "AnswerSchema", partial=True,
                                                extra={"version": version_field()})):
    """The answer only: who owns the recommendation changes through the `reassign` transition."""

    @pre_load
    def _owner_through_reassign(self, data, **_kw):
        if isinstance(data, dict) and "owner" in data:
            raise MarshmallowError({"owner": [OWNER_VIA_REASSIGN]})
        return data


class MeasureRefSchema(ResponseSchema):
    id = Integer(required=True)
    title = Text(required=True)
    secrecy = secrecy_field()
    state = Text(required=True)


class RecommendationSchema(OutcomeSchema):
    audit_id = Integer(required=True)
    number = Integer(required=True)
    text = Text(required=True)
    answer = Text(allow_none=True, required=True)
    no_measure_reason = Text(allow_none=True, required=True)


class RecommendationDetailSchema(RecommendationSchema):
    measures = fields.List(fields.Nested(MeasureRefSchema), required=True)
    transitions = fields.List(fields.Nested(TransitionSchema), required=True)
    actions = fields.List(fields.Nested(ActionSchema), required=True,
                          metadata={"description": "Annat den inloggade får göra med rekommendationen nu"})


class AuditSchema(CaseSchema):
    name = Text(required=True)
    number = Text(required=True)
    subject = Text(required=True)
    diarienummer = Text(allow_none=True, required=True)
    received = Date(allow_none=True, required=True)
    response_due = Date(allow_none=True, required=True)
    responding_body = Text(required=True)
    addressee = Text(required=True)
    signatories = fields.List(fields.Nested(SignatorySchema), required=True)
    template = Text(required=True, metadata={"enum": ["board", "committee"]})
    summary = Text(allow_none=True, required=True)
    body = Text(allow_none=True, required=True, metadata={"description": "Organet som antog yttrandet"})
    meeting_date = Date(allow_none=True, required=True)
    paragraph = Text(allow_none=True, required=True)
    sent_on = Date(allow_none=True, required=True)
    follow_up_note = Text(allow_none=True, required=True)


class AuditDetailSchema(AuditSchema):
    recommendations = fields.List(fields.Nested(RecommendationSchema), required=True)
    transitions = fields.List(fields.Nested(TransitionSchema), required=True,
                              metadata={"description": "Övergångar den inloggade får göra nu"})
    actions = fields.List(fields.Nested(ActionSchema), required=True,
                          metadata={"description": "Annat den inloggade får göra med granskningen nu"})


class AuditPageSchema(ResponseSchema):
    items = fields.List(fields.Nested(AuditSchema), required=True)
    total = Integer(required=True)


# --- documents ------------------------------------------------------------------------------------

class DocumentRecordSchema(ResponseSchema):
    """One entry of the document register (OSL ch. 5): what was registered, when, by whom, with which hash."""

    id = Integer(required=True)
    secrecy = secrecy_field()
    diarienummer = Text(required=True)
    document_number = Integer(required=True)
    kind = Text(required=True)
    version = Integer(required=True)
    document_date = Date(required=True)
    sha256 = Text(required=True)
    size = Integer(required=True)
    media_type = Text(required=True)
    generated_by = fields.Function(lambda r: r.generated_by.username if r.generated_by else None,
                                   required=True, allow_none=True, metadata={"type": ["string", "null"]})
    created_at = DateTime(required=True)


class ReportQuerySchema(RequestSchema):
    dnr = text(60, metadata={"description": "Diarienummer på rapporten (standard: programmets)"})


class DelrapportQuerySchema(ReportQuerySchema):
    from_ = Date(required=True, data_key="from", metadata={"description": "Periodens första dag"})
    to = Date(required=True, metadata={"description": "Periodens sista dag"})


# --- mail that could not be delivered (admins) -------------------------------------------------------

class FailedMailSchema(ResponseSchema):
    id = Integer(required=True)
    recipient = Text(required=True, metadata={"description": "Mottagarens namn"})
    address = Text(required=True, allow_none=True)
    subject = Text(required=True)
    case_kind = Text(required=True)
    case_id = Integer(required=True)
    occurs_on = Date(required=True)
    attempts = Integer(required=True)
    last_error = Text(required=True, allow_none=True, metadata={"description": "Felet, på engelska som i loggen"})


class FailedMailPageSchema(ResponseSchema):
    total = Integer(required=True)
    items = fields.List(fields.Nested(FailedMailSchema), required=True,
                        metadata={"description": "De senaste 100, nyaste först"})


# --- notifications -------------------------------------------------------------------------------

class NotificationQuerySchema(RequestSchema):
    unread = Boolean(load_default=False, metadata={"description": "Bara olästa"})


class NotificationSchema(ResponseSchema):
    id = Integer(required=True)
    rule = Text(required=True, metadata={"description": "Påminnelseregeln i reminders.yaml"})
    case_kind = Text(required=True)
    case_id = Integer(required=True)
    case = Text(allow_none=True, required=True, metadata={"description": "Ärendets adress i API:t"})
    occurs_on = Date(required=True)
    message = Text(required=True)
    created_at = DateTime(required=True)
    read_at = DateTime(allow_none=True, required=True)


class NotificationPageSchema(ResponseSchema):
    items = fields.List(fields.Nested(NotificationSchema), required=True)


class MarkReadSchema(RequestSchema):
    ids = List(case_id(), validate=validate.Length(max=1000, error="Högst 1000 åt gången."),
               metadata={"description": "Utan ids: alla olästa"})


class MarkedSchema(ResponseSchema):
    marked = Integer(required=True)


class PreferencesSchema(RequestSchema):
    mail_enabled = Boolean(required=True, metadata={"description": "Påminnelser även med e-post"})
    delivery = Text(required=True, validate=validate.OneOf(DELIVERY_MODES, error="Välj " + ", ".join(DELIVERY_MODES) + "."),
                    metadata={"enum": list(DELIVERY_MODES)})
