"""Serialising API responses with the marshmallow schemas' own meaning, without marshmallow's per-field cost.

`Schema.dump` spends most of a list answer's time walking its machinery for every field of every row (about
1,500 field calls for 50 measures: more than the query, the ORM and the JSON encoder together). `dumper(schema)`
reads the same declaration once — the fields to dump, their `data_key` and `attribute`, `dump_default`, nested
schemas with their `only`/`exclude` — and returns a function that does only the per-value work marshmallow
would do. Anything it does not know exactly is handed to marshmallow itself: a schema with `pre_dump` or
`post_dump` hooks or its own `get_attribute` is dumped by `Schema.dump`; a field whose `serialize` is
overridden, that does not read an attribute (`Method`, `Function`), or that reads a dotted path is serialised
by `Field.serialize`; a field type without a fast path here is converted by its own `_serialize`.

The outcome is marshmallow's, value for value: with `VERIFY` on (the test suite turns it on) every answer is
dumped both ways and a difference raises.
"""
from __future__ import annotations

from typing import Any, Callable

from marshmallow import Schema, fields, missing
from marshmallow.decorators import POST_DUMP, PRE_DUMP
from marshmallow.utils import ensure_text_type

_TEMPORAL = fields.Date._serialize  # Date, DateTime, Time: one `_serialize` reading SERIALIZATION_FUNCS

# When True, each dump is compared with `Schema.dump` (tests; a difference is a bug here, never in the data).
VERIFY = False

_DUMPERS: dict[int, tuple[Schema, Callable[[Any], Any]]] = {}


def dump(schema: Schema, obj: Any) -> Any:
    """`schema.dump(obj)`, fast."""
    result = dumper(schema)(obj)
    if VERIFY:
        expected = schema.dump(obj)
        if result != expected:
            raise AssertionError(f"{type(schema).__name__}: fast dump {result!r} != marshmallow {expected!r}")
    return result


def dumper(schema: Schema) -> Callable[[Any], Any]:
    """The compiled dump of this schema instance (kept for the life of the schema)."""
    known = _DUMPERS.get(id(schema))
    if known is None or known[0] is not schema:
        known = _DUMPERS[id(schema)] = (schema, _compile(schema))
    return known[1]


# How a field's value is read and converted (the most common kinds are inlined in `dump_one`).
_SERIALIZE, _TEXT, _NUMBER, _CONVERT, _OWN = range(5)


def _compile(schema: Schema) -> Callable[[Any], Any]:
    if (schema._hooks[PRE_DUMP] or schema._hooks[POST_DUMP]
            or type(schema).get_attribute is not Schema.get_attribute):
        return schema.dump
    specs = [_spec(schema, name, field) for name, field in schema.dump_fields.items()]
    mappings: dict[type, bool] = {}

    def dump_one(obj: Any) -> dict:
        out = {}
        kind_of_obj = type(obj)
        mapping = mappings.get(kind_of_obj)
        if mapping is None:
            mapping = mappings[kind_of_obj] = hasattr(kind_of_obj, "__getitem__")
        for key, kind, source, convert, default in specs:
            if kind == _SERIALIZE:
                value = convert(obj)
                if value is not missing:
                    out[key] = value
                continue
            value = _get(obj, source) if mapping else getattr(obj, source, missing)
            if value is missing:
                value = default() if callable(default) else default
                if value is missing:
                    continue
            if kind == _OWN:
                value = convert(value, obj)
            elif value is not None:
                if kind == _TEXT:
                    if type(value) is not str:
                        value = ensure_text_type(value)
                elif kind == _NUMBER:
                    if type(value) is not convert:
                        value = convert(value)
                else:
                    value = convert(value)
            out[key] = value
        return out

    if schema.many:
        return lambda objs: dump_one(objs) if objs is None else [dump_one(o) for o in objs]
    return dump_one


def _get(obj: Any, key: str) -> Any:
    """marshmallow.utils._get_value_for_key with `missing` as the default, for objects with `__getitem__`."""
    try:
        return obj[key]
    except (KeyError, IndexError, TypeError, AttributeError):
        return getattr(obj, key, missing)


def _spec(schema: Schema, name: str, field: fields.Field) -> tuple:
    """(output key, kind, attribute read, converter, dump_default) of one field."""
    key = field.data_key if field.data_key is not None else name
    source = field.attribute if field.attribute is not None else name
    if (type(field).serialize is not fields.Field.serialize or type(field).get_value is not fields.Field.get_value
            or not field._CHECK_ATTRIBUTE or "." in source):
        return key, _SERIALIZE, source, lambda obj: field.serialize(name, obj, accessor=schema.get_attribute), None
    kind, convert = _converter(field, name)
    return key, kind, source, convert, field.dump_default


def _converter(field: fields.Field, name: str) -> tuple[int, Any]:
    """The field's `_serialize(value, name, obj)`: inlined for the types API answers are made of (None stays
    None for each of those), else the field's own method."""
    method = type(field)._serialize
    if method is fields.String._serialize:
        return _TEXT, None
    if method is fields.Number._serialize and not field.as_string and \
            type(field)._format_num is fields.Number._format_num:
        return _NUMBER, field.num_type
    if method is _TEMPORAL:
        as_text = field.SERIALIZATION_FUNCS.get(field.format or field.DEFAULT_FORMAT)
        if as_text is not None:
            return _CONVERT, as_text
    if method is fields.Nested._serialize:
        return _CONVERT, _nested(field)
    if method is fields.List._serialize and type(field.inner)._serialize is fields.Nested._serialize:
        each = _nested(field.inner)
        return _CONVERT, lambda v: [None if x is None else each(x) for x in v]
    own = field._serialize
    return _OWN, lambda v, obj: own(v, name, obj)


def _nested(field: fields.Nested) -> Callable[[Any], Any]:
    """Compiled on first use, so a schema that nests itself does not recurse here."""
    compiled: list[Callable[[Any], Any]] = []

    def convert(v: Any) -> Any:  # never None: the caller keeps None as None
        if not compiled:
            nested = field.schema
            inner = dumper(nested)
            # A many-schema's dumper takes the list itself; a Nested(many=True) of a plain one maps it.
            compiled.append((lambda vs: [inner(x) for x in vs]) if field.many and not nested.many else inner)
        return compiled[0](v)
    return convert
