"""A case's history as people read it: each entry's label, the states it moved between, and its fields
with their labels, all from the case's lifecycle (workflows/*.yaml: its transitions, and `history` for what
services write besides them) and its kind's declared attributes (kfflow.kinds)."""
from __future__ import annotations

from dataclasses import dataclass, field

from kfflow.kinds import kind_of
from kfflow.services.cases import workflow_of
from kfflow.workflow.definition import FieldDef


@dataclass
class TimelineItem:
    entry: object
    label: str
    from_label: str
    to_label: str
    details: list[tuple[str, str]]
    attachments: list = field(default_factory=list)  # evidence files the entry recorded (AttachmentInfo)


def field_for(case, name: str) -> FieldDef | None:
    """The field a history entry's value was written through: a transition's, else one of the kind's own."""
    for t in workflow_of(case).transitions:
        for f in t.fields:
            if f.name == name:
                return f
    return kind_of(case).field_for(name)


def _show(value, f: FieldDef | None = None) -> str:
    if isinstance(value, dict) and set(value) == {"from", "to"}:
        return f"{_show(value['from'], f)} → {_show(value['to'], f)}"
    if f is not None and f.options:
        value = next((o.label for o in f.options if o.value == value), value)
    if value is None or value == "":
        return "–"
    if f is not None and f.type == "scores" and isinstance(value, dict):  # a judgement: each step by its label
        from kfflow.workflow import get_workflows

        scoring = get_workflows().scoring
        return scoring.describe(value) if scoring is not None else str(value)
    if isinstance(value, list) and all(isinstance(v, dict) for v in value):  # e.g. signatories
        return "; ".join(", ".join(str(x) for x in v.values() if x) for v in value) or "–"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "–"
    return str(value)


def timeline(case, entries, attachments=()) -> list[TimelineItem]:
    """`attachments`: the case's evidence files (AttachmentInfo), each listed under the entry that recorded it."""
    by_entry: dict[int, list] = {}
    for a in attachments:
        by_entry.setdefault(a.history_entry_id, []).append(a)
    wf = workflow_of(case)
    items = []
    for e in entries:
        t = wf.any_with_trigger(e.trigger)
        label = wf.history_labels.get(e.trigger) or (t.label if t else e.trigger)
        details = []
        for name, value in (e.fields or {}).items():
            f = field_for(case, name)
            details.append((f.label if f else name, _show(value, f)))
        items.append(TimelineItem(e, label, wf.state_label(e.from_state), wf.state_label(e.to_state), details,
                                  by_entry.get(e.id, [])))
    return items


def due_date_revisions(items: list[TimelineItem]) -> list[TimelineItem]:
    """Every change of the due date in a timeline, with the reason given."""
    return [item for item in items if "due_date" in (item.entry.fields or {})]
