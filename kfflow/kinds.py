"""The kinds of case kfflow knows, one entry each: everything the rest of the system needs to know of a kind.

Loading a case, the reminder sweep and its mails, the calendar feed, the bulk handover, the start page and
the history timeline all iterate `KINDS` and never name a kind. A new kind of case is a model (with a
migration), a lifecycle in `workflows/<name>.yaml`, and one entry here (see docs/architecture.md).
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select

from kfflow.models import Audit, Measure, Recommendation
from kfflow.models.indicator import next_value_due
from kfflow.workflow.definition import FieldDef


@dataclass(frozen=True)
class DueDate:
    """The date a kind's cases are due by: what reminders count from and what the calendar shows."""
    anchor: str              # its name in workflows/reminders.yaml
    column: Any              # the SQL expression holding it (may need the kind's joins)
    calendar_label: str      # the calendar event's summary: "<label>: <title>"


@dataclass(frozen=True)
class Anchor:
    """A further date reminders may count from, computed per case in SQL (the calendar does not show it)."""
    name: str                # its name in workflows/reminders.yaml
    column: Any              # the SQL expression (may need the kind's joins)


@dataclass(frozen=True)
class CaseKind:
    name: str                                  # HistoryEntry.case_kind, Notification.case_kind, …
    model: type
    workflow: str                              # the lifecycle new cases start in (workflows/<workflow>.yaml)
    web_path: str                              # the case's page, "{id}" for its id
    api_path: str                              # the case in the JSON API (under /api/v1)
    title_columns: tuple[tuple[str, Any], ...]  # (attribute path on the case, SQL column) that name the case
    title_format: str                          # str.format over the title columns' values, in order
    joins: tuple[tuple[Any, Any], ...] = ()    # (table, on) the title and due-date columns need
    due: DueDate | None = None
    anchors: tuple[Anchor, ...] = ()           # more dates than `due` that reminders may count from
    waits_on_start_page: bool = False          # "Mina uppgifter" lists cases a role may move on
    fields: Callable[[], tuple[FieldDef, ...]] = tuple    # what its history records besides transitions

    def web_url(self, case_id: int, base: str = "") -> str:
        return base + self.web_path.format(id=case_id)

    def title(self, case) -> str:
        """The case's name for people, from a loaded case."""
        return self.title_format.format(*(functools.reduce(getattr, path.split("."), case)
                                          for path, _column in self.title_columns))

    def title_from(self, values) -> str:
        """The same name from the title columns' values (a row of `case_rows`, from its fifth column)."""
        return self.title_format.format(*values[:len(self.title_columns)])

    def case_rows(self, anchors: tuple[Anchor, ...] = ()) -> Select:
        """id, state, owner_id, the due date and the title columns of every case (then the values of `anchors`,
        some of the kind's further anchors, in order), without loading a case.

        The reminder sweep streams this; the calendar reads it for one owner. Callers add their WHERE."""
        due = self.due.column if self.due else None
        stmt = select(self.model.id, self.model.state, self.model.owner_id, due,
                      *(column for _path, column in self.title_columns),
                      *(anchor.column for anchor in anchors)).select_from(self.model)
        for table, on in self.joins:
            stmt = stmt.join(table, on)
        return stmt

    def field_for(self, name: str) -> FieldDef | None:
        return next((f for f in self.fields() if f.name == name), None)


def _secrecy_fields() -> tuple[FieldDef, ...]:
    from kfflow.services.secrecy import EVENT_FIELDS
    return EVENT_FIELDS


def _measure_fields() -> tuple[FieldDef, ...]:
    from kfflow.services.measures import PROGRESS_FIELDS
    from kfflow.services.evidence import EVIDENCE_FIELD
    from kfflow.workflow.measure_attributes import attribute_fields
    return attribute_fields() + PROGRESS_FIELDS + (EVIDENCE_FIELD,) + _secrecy_fields()


def _recommendation_fields() -> tuple[FieldDef, ...]:
    from kfflow.services.audits import ANSWER_FIELDS, RECOMMENDATION_FIELDS
    return RECOMMENDATION_FIELDS + ANSWER_FIELDS + _secrecy_fields()


def _audit_fields() -> tuple[FieldDef, ...]:
    from kfflow.services.audits import AUDIT_FIELDS
    from kfflow.services.documents import DOCUMENT_EVENT_FIELDS
    return AUDIT_FIELDS + DOCUMENT_EVENT_FIELDS + _secrecy_fields()


KINDS: dict[str, CaseKind] = {kind.name: kind for kind in (
    CaseKind(
        name="measure", model=Measure, workflow="measure",
        web_path="/atgarder/{id}", api_path="/measures/{id}",
        title_columns=(("title", Measure.title),), title_format="{}",
        due=DueDate("due_date", Measure.due_date, "Slutdatum"),
        anchors=(Anchor("indicator_due", next_value_due(Measure.id)),),
        waits_on_start_page=True,
        fields=_measure_fields),
    CaseKind(
        name="recommendation", model=Recommendation, workflow="recommendation",
        web_path="/rekommendationer/{id}", api_path="/recommendations/{id}",
        title_columns=(("number", Recommendation.number), ("audit.name", Audit.name),
                       ("audit.number", Audit.number)),
        title_format="rekommendation {} i {} {}",
        joins=((Audit, Audit.id == Recommendation.audit_id),),
        due=DueDate("response_due", Audit.response_due, "Svar senast"),
        waits_on_start_page=True,
        fields=_recommendation_fields),
    CaseKind(
        name="audit", model=Audit, workflow="audit",
        web_path="/granskningar/{id}", api_path="/audits/{id}",
        title_columns=(("name", Audit.name), ("number", Audit.number)), title_format="{} {}",
        fields=_audit_fields),
)}


def kind_of(name_or_case) -> CaseKind:
    """The entry for a kind's name or for a case; KeyError for a kind nobody registered."""
    name = name_or_case if isinstance(name_or_case, str) else name_or_case.case_kind
    return KINDS[name]
