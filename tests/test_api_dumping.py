"""The API's compiled dump gives what marshmallow's `Schema.dump` gives, for every case it takes a shortcut in
and for the ones it hands back to marshmallow. (The rest of the suite checks every real answer the same way.)"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from marshmallow import Schema, fields, post_dump, pre_dump

from webui.api.dumping import dumper
from webui.api.schemas import MeasurePageSchema


class Ref(Schema):
    id = fields.Integer()
    name = fields.String()


class Everything(Schema):
    text = fields.String()
    renamed = fields.String(data_key="other")
    sourced = fields.String(attribute="elsewhere")
    number = fields.Integer()
    share = fields.Float()
    money = fields.Decimal(places=2)
    numeric_text = fields.Integer(as_string=True)
    flag = fields.Boolean()
    day = fields.Date()
    moment = fields.DateTime()
    formatted = fields.DateTime(format="%Y/%m/%d")
    ref = fields.Nested(Ref)
    only_id = fields.Nested(Ref, only=("id",))
    refs = fields.List(fields.Nested(Ref))
    many_refs = fields.Nested(Ref, many=True)
    words = fields.List(fields.String())
    dotted = fields.String(attribute="ref.name")
    defaulted = fields.String(dump_default="standard")
    computed = fields.Method("shout")
    constant = fields.Function(lambda obj: "fast")
    plucked = fields.Pluck(Ref, "name")
    secret = fields.String(load_only=True)

    def shout(self, obj):
        return str(getattr(obj, "text", "") or "").upper()


@dataclass
class Thing:
    text: object = "å\u200bä"
    renamed: object = 7
    elsewhere: object = b"bytes"
    number: object = True
    share: object = 3
    money: object = "1.005"
    numeric_text: object = 12
    flag: object = "yes"
    day: object = date(2026, 11, 30)
    moment: object = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)
    formatted: object = datetime(2026, 1, 2)
    ref: object = None
    only_id: object = None
    refs: object = ()
    many_refs: object = None
    words: object = ("a", 1)
    secret: object = "never"
    plucked: object = None


REF = {"id": 3, "name": "Olle"}
CASES = [
    Thing(),
    Thing(ref=REF, only_id=REF, refs=[REF, {"id": "4"}, None], many_refs=[REF], plucked=REF, text=None, day=None),
    {"text": "a dict", "number": 2.9, "ref": {"id": 1}},        # a mapping: keys, the rest missing
    {},                                                            # every field missing
]


@pytest.mark.parametrize("obj", CASES, ids=["object", "nested", "dict", "empty"])
def test_the_compiled_dump_equals_marshmallows_for_every_kind_of_field(obj):
    schema = Everything()
    assert dumper(schema)(obj) == schema.dump(obj)
    assert list(dumper(schema)(obj)) == list(schema.dump(obj))  # same keys in the same order


def test_a_schema_with_dump_hooks_is_dumped_by_marshmallow_itself():
    class Hooked(Schema):
        name = fields.String()

        @pre_dump
        def lower(self, obj, **kw):
            return {"name": obj["name"].lower()}

        @post_dump
        def mark(self, data, **kw):
            return {**data, "hooked": True}

    assert dumper(Hooked())({"name": "ÅSA"}) == {"name": "åsa", "hooked": True}


def test_a_many_schema_and_a_schema_nesting_itself():
    class Node(Schema):
        name = fields.String()
        children = fields.List(fields.Nested(lambda: Node()))

    tree = {"name": "a", "children": [{"name": "b", "children": []}, {"name": "c"}]}
    assert dumper(Node())(tree) == Node().dump(tree)
    many = Ref(many=True)
    assert dumper(many)([REF, {"id": 5}]) == many.dump([REF, {"id": 5}])


def test_a_list_answer_is_the_same_both_ways(session, users):
    from kfflow.services.measure_list import MeasureFilter, list_measures
    from tests.factories import measure_in_state

    for state in ("proposed", "decided"):
        measure_in_state(session, users, state)
    items, total = list_measures(session, MeasureFilter())
    schema = MeasurePageSchema()
    answer = {"items": items, "total": total}
    assert dumper(schema)(answer) == schema.dump(answer)
    assert len(dumper(schema)(answer)["items"]) == total == 2
