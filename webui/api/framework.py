"""How an API operation is declared: one decorator registers the Flask route and describes it for openapi.json.

The decorator authenticates the bearer token, parses the query and the JSON body with the operation's
marshmallow schemas, calls the view and serialises its result with the response schema.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any, Callable

from flask import Blueprint, g, request
from marshmallow import Schema
from marshmallow.fields import Integer
from marshmallow import ValidationError as SchemaError

from kfflow.errors import NotAuthenticated, NotFound, ValidationError
from kfflow.services.tokens import user_for_api_token
from kfflow.workflow.fields import check_text
from webui.api.dumping import dump
from webui.api.schemas import MAX_ID
from webui.db import get_session
from webui.evidence import uploads_from_request
from webui.limits import MAX_JSON_DEPTH, json_depth

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@dataclass(frozen=True)
class Operation:
    rule: str                      # Flask rule under the blueprint's prefix
    method: str
    endpoint: str
    summary: str
    tag: str
    status: int                    # the status of success
    response: Schema | None
    body: Schema | None = None
    query: Schema | None = None
    public: bool = False
    errors: tuple[int, ...] = ()   # the error statuses this operation may answer with
    description: str = ""
    path_params: tuple[str, ...] = field(default=())
    # A file instead of JSON: its media types (the view returns the Flask response) and the headers it sets.
    produces: tuple[str, ...] = ()
    headers: tuple[str, ...] = ()
    # Heavy work: the view may instead answer 202 with this JSON (a job to follow at `Location`).
    accepted: Schema | None = None
    # An upload: the body is multipart/form-data, `body` parses its text parts and `files` names its file parts.
    files: tuple[str, ...] = ()
    max_bytes: int | None = None   # the request's own size limit, instead of the app's
    too_large: str = ""            # the Swedish 413 message when it is passed
    # Takes evidence files besides a JSON body: the body may instead be multipart/form-data, the same fields as
    # text parts, the files in the part `attachments`.
    attachments: bool = False


OPERATIONS: list[Operation] = []
REQUEST_LIMITS: dict[str, Operation] = {}  # endpoint → the operation with its own body limit (uploads)


@bp.url_value_preprocessor
def _own_limit(endpoint, values):
    # Before any before_request handler reads the body: the upload's limit, not the app's, holds for it.
    op = REQUEST_LIMITS.get((endpoint or "").removeprefix(bp.name + "."))
    if op is not None:
        request.max_content_length = op.max_bytes


@dataclass(frozen=True)
class Answer:
    """What a view returns when the answer carries headers besides its body (e.g. `Location` of a 201)."""
    body: Any
    headers: dict[str, str]
_PATH_PARAM = re.compile(r"<int:(\w+)>")


class BadRequest(Exception):
    """The body is not a JSON object (HTTP 400)."""


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def api_user():
    """The active user of the request's bearer token; NotAuthenticated (401) otherwise."""
    token = bearer_token()
    if token is None:
        raise NotAuthenticated("Ange en API-nyckel: Authorization: Bearer <nyckel>.")
    user = user_for_api_token(get_session(), token)
    if user is None:
        raise NotAuthenticated("API-nyckeln är ogiltig, har gått ut, har återkallats eller tillhör ett "
                               "inaktiverat konto.")
    return user


def _unusable_text(value: Any, where: str) -> tuple[str, str] | None:
    """(name, Swedish reason) of the first string no field may hold (control characters, lone surrogates).

    The same character rule the services apply (`check_text`), checked once for the whole body so that
    nothing such reaches a lookup or a query; line breaks and lengths are for the services to judge.
    """
    if isinstance(value, str):
        try:
            check_text(value, multiline=True, max_length=len(value))
        except ValueError as exc:
            return where, str(exc)
        return None
    if isinstance(value, dict):
        for k, v in value.items():
            bad = _unusable_text(k, where or str(k)) or _unusable_text(v, where or str(k))
            if bad is not None:
                return bad
    if isinstance(value, list):
        for v in value:
            bad = _unusable_text(v, where)
            if bad is not None:
                return bad
    return None


def _refuse_unusable(data: Any) -> None:
    bad = _unusable_text(data, "")
    if bad is not None:
        name, reason = bad
        raise ValidationError("Ogiltiga tecken i indata.", {name or "body": reason})


def _swedish_fields(messages: dict) -> dict[str, str]:
    """Marshmallow's nested messages, one Swedish line per top-level field."""
    def first(msg) -> str:
        if isinstance(msg, str):
            return msg
        if isinstance(msg, list):
            return first(msg[0]) if msg else "Ogiltigt värde."
        if isinstance(msg, dict):
            key, value = next(iter(msg.items()))
            inner = first(value)
            return f"{key}: {inner}" if not str(key).isdigit() else f"rad {int(key) + 1}: {inner}"
        return "Ogiltigt värde."
    return {str(name): first(msg) for name, msg in messages.items()}


def load_with(schema: Schema, data: Any, message: str) -> dict:
    _refuse_unusable(data)
    try:
        return schema.load(data)
    except SchemaError as exc:
        fields = _swedish_fields(exc.messages if isinstance(exc.messages, dict) else {"body": exc.messages})
        raise ValidationError(message, fields) from None


def _json_body() -> Any:
    if not request.get_data(cache=True):
        return {}
    try:
        data = request.get_json(silent=True, force=True)
        too_deep = json_depth(data) > MAX_JSON_DEPTH
    except RecursionError:  # nested deeper than the parser's own stack
        too_deep = True
    if too_deep:
        raise ValidationError("Kroppen är för djupt nästlad.",
                              {"body": f"Högst {MAX_JSON_DEPTH} nivåer av listor och objekt."})
    if not isinstance(data, dict):
        raise BadRequest("Kroppen ska vara ett JSON-objekt.")
    return data


def _text_parts(schema: Schema) -> dict:
    """A multipart body's text parts as the JSON body would give them: lists for list fields, whole numbers
    for integer fields (a form part is always text), everything else as sent."""
    data: dict[str, Any] = {}
    for name in request.form:
        spec = schema.fields.get(name)
        values = request.form.getlist(name)
        value: Any = values if spec is not None and hasattr(spec, "inner") else values[-1]
        if isinstance(spec, Integer) and isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value.strip()):
            value = int(value)
        data[name] = value
    return data


_WHOLE_NUMBER = re.compile(r"-?[0-9]{1,18}")


def _form_body(body: Schema | None, files: tuple[str, ...]) -> tuple[dict, dict]:
    """The text parts (as `_text_parts` reads them) and the named file parts of a multipart body (a missing file
    part is None)."""
    if not (request.mimetype or "").startswith("multipart/form-data"):
        raise ValidationError("Skicka filen som multipart/form-data.",
                              {name: "Filen saknas." for name in files})
    text = _text_parts(body) if body is not None else {}
    return text, {name: request.files.get(name) for name in files}


def _query_args(schema: Schema) -> dict:
    raw: dict[str, Any] = {}
    for name in request.args:
        spec = schema.fields.get(name)
        values = request.args.getlist(name)
        raw[name] = values if spec is not None and hasattr(spec, "inner") else values[-1]
    return raw


def operation(rule: str, method: str, *, summary: str, tag: str, response: Schema | None = None,
              status: int = 200, body: Schema | None = None, query: Schema | None = None,
              public: bool = False, errors: tuple[int, ...] = (), produces: tuple[str, ...] = (),
              headers: tuple[str, ...] = (), accepted: Schema | None = None, files: tuple[str, ...] = (),
              max_bytes: int | None = None, too_large: str = "", attachments: bool = False) -> Callable:
    """Declare an API operation. The view gets path values, `user` (unless public), `data` and `args`.

    With `files` the body is multipart/form-data: `data` holds its text parts (parsed with `body`) and the view
    also gets `files`, each named part's upload or None; `max_bytes` sets the request's size limit for it, and a
    larger request is answered 413 with `too_large`.

    With `attachments` the body may also be multipart/form-data (the same fields as text parts) and the view gets
    `attachments`, the evidence files of the part `attachments` (an empty list for a JSON body).

    With `produces` the view answers a file: it returns the Flask response itself (media type one of
    `produces`, status `status`, optional `headers`); otherwise what it returns is dumped with `response`.
    """
    def register(view: Callable) -> Callable:
        op = Operation(rule=rule, method=method, endpoint=view.__name__, summary=summary, tag=tag,
                       status=status, response=response, body=body, query=query, public=public,
                       errors=tuple(sorted(set(errors) | ({401} if not public else set())
                                           | ({400, 422} if body is not None else set())
                                           | ({413} if max_bytes is not None else set())
                                           | ({422} if query is not None else set())
                                           | ({404} if "<int:" in rule else set()))),
                       description=(view.__doc__ or "").strip(),
                       path_params=tuple(_PATH_PARAM.findall(rule)), produces=produces, headers=headers,
                       accepted=accepted, files=files, max_bytes=max_bytes, too_large=too_large,
                       attachments=attachments)

        @functools.wraps(view)
        def handle(**path_values):
            for name, value in path_values.items():
                if value > MAX_ID or value < 1:
                    raise NotFound("Finns inte.")
            kwargs: dict[str, Any] = dict(path_values)
            if not public:
                kwargs["user"] = g.api_user = api_user()
            if query is not None:
                kwargs["args"] = load_with(query, _query_args(query), "Ogiltiga parametrar.")
            if files:
                form, kwargs["files"] = _form_body(body, files)
                kwargs["data"] = load_with(body, form, "Ogiltiga uppgifter.") if body is not None else {}
            elif body is not None:
                multipart = attachments and (request.mimetype or "").startswith("multipart/form-data")
                raw = _text_parts(body) if multipart else _json_body()
                kwargs["data"] = load_with(body, raw, "Ogiltiga uppgifter.")
                if attachments:
                    kwargs["attachments"] = uploads_from_request() if multipart else []
            result = view(**kwargs)
            if produces:
                return result
            headers = {}
            if isinstance(result, Answer):
                result, headers = result.body, result.headers
            if response is None:
                return "", status, headers
            return dump(response, result), status, headers

        bp.add_url_rule(rule, endpoint=view.__name__, view_func=handle, methods=[method])
        OPERATIONS.append(op)
        if max_bytes is not None:
            REQUEST_LIMITS[view.__name__] = op
        return handle
    return register
