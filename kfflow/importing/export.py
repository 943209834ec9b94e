"""Export measures and audits to CSV or .xlsx, with the import's columns so a sheet round-trips.

Text that a spreadsheet would run as a formula is neutralised (see `cells.neutralise`); import undoes it.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kfflow.importing.cells import neutralise
from kfflow.importing.mapping import measure_columns, vocabulary
from kfflow.models import Audit, Measure, Recommendation, RecommendationMeasure
from kfflow.workflow import get_workflows
from kfflow.workflow.fields import without_forbidden

# The import reads "Påbörjat" into the status note, so export writes only the note.
EXPORT_SKIPS = ("started",)


def _labels(name: str) -> dict[str, str]:
    return {o.value: o.label for o in vocabulary(name)}


def measure_table(session: Session, measures: Iterable[Measure] | None = None) -> tuple[list[str], Iterator[list]]:
    """Headings and rows of measures (all, or the given filtered set), in the import's columns."""
    columns = [c for c in measure_columns() if c.field not in EXPORT_SKIPS]
    labels = {c.field: _labels(c.vocabulary) for c in columns if c.vocabulary}
    if measures is None:
        measures = session.scalars(select(Measure).order_by(Measure.id)
                                   .options(selectinload(Measure.owner), selectinload(Measure.owner_body)))
    workflows = get_workflows()

    def cell(measure: Measure, fld: str) -> Any:
        if fld == "owner":
            return (measure.owner.username if measure.owner else
                    measure.owner_body.name if measure.owner_body else None)
        if fld == "state":
            return workflows.get(measure.workflow_name, measure.workflow_version).state_label(measure.state)
        if fld == "status":
            return measure.status_note
        value = getattr(measure, fld)
        return labels[fld].get(value, value) if fld in labels and value else value

    rows = ([cell(m, c.field) for c in columns] for m in measures)
    return [c.heading for c in columns], rows


def audit_table(session: Session) -> tuple[list[str], Iterator[list]]:
    """One row per recommendation, with its audit, answer and linked measures."""
    headings = ["Granskning", "Nummer", "Ämne", "Diarienummer", "Rekommendation nr", "Rekommendation", "Läge",
                "Svar", "Beslutsreferens", "Kopplade åtgärder"]
    recs = session.scalars(select(Recommendation).join(Audit).order_by(Audit.id, Recommendation.number)
                           .options(selectinload(Recommendation.audit),
                                    selectinload(Recommendation.measure_links)
                                    .selectinload(RecommendationMeasure.measure)))
    workflows = get_workflows()

    def rows():
        for r in recs:
            wf = workflows.get(r.workflow_name, r.workflow_version)
            yield [r.audit.name, r.audit.number, r.audit.subject, r.audit.diarienummer, r.number, r.text,
                   wf.state_label(r.state), r.answer, r.decision_ref,
                   "; ".join(f"{m.id} {m.title}" for m in r.measures)]
    return headings, rows()


def _cells(row: list) -> list:
    return [neutralise(v) for v in row]


def write_csv(stream: TextIO, headings: list[str], rows: Iterable[list]) -> int:
    writer = csv.writer(stream, delimiter=";", lineterminator="\r\n")
    writer.writerow(headings)
    count = 0
    for row in rows:
        writer.writerow(["" if v is None else (v.isoformat() if isinstance(v, date) else v) for v in _cells(row)])
        count += 1
    return count


def write_xlsx(path: Path, headings: list[str], rows: Iterable[list], title: str) -> int:
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    sheet.append(headings)
    count = 0
    for row in rows:
        sheet.append(without_forbidden(_cells(row)))  # rows stored before the input rule may hold controls
        count += 1
    workbook.save(path)
    return count


def write_table(target: str, headings: list[str], rows: Iterable[list], *, title: str, stdout: TextIO) -> int:
    """`-` → CSV on standard output; `.xlsx` → a workbook; anything else → CSV in UTF-8 with BOM and `;`."""
    if target == "-":
        return write_csv(stdout, headings, rows)
    path = Path(target)
    if path.suffix.lower() == ".xlsx":
        return write_xlsx(path, headings, rows, title)
    buffer = io.StringIO()
    count = write_csv(buffer, headings, rows)
    path.write_text(buffer.getvalue(), encoding="utf-8-sig", newline="")
    return count


EXPORT_TYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "csv": "text/csv; charset=utf-8"}


def measures_file(session: Session, measures: Iterable[Measure], fmt: str) -> bytes:
    """The measures in the import's columns as an .xlsx workbook or a CSV (UTF-8 with BOM, `;`), as bytes."""
    headings, rows = measure_table(session, measures=measures)
    if fmt == "xlsx":
        buffer = io.BytesIO()
        write_xlsx(buffer, headings, rows, title="Åtgärder")
        return buffer.getvalue()
    text = io.StringIO()
    write_csv(text, headings, rows)
    return text.getvalue().encode("utf-8-sig")
