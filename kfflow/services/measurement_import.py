"""A sheet of measurements for one indicator (.xlsx or .csv: Datum, Värde, Källa, Kommentar), read all or
nothing: every row is checked as the form checks one value, and one bad row writes nothing."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kfflow.clock import local_today
from kfflow.db import utcnow, write_transaction
from kfflow.errors import ValidationError
from kfflow.importing.readers import ImportFileError, read_table
from kfflow.models import Measurement
from kfflow.services.indicators import load_indicator_to_measure, parse_measurement, record_measurement

# The sheet's headings (any case, Swedish or English) → the fields of one measurement.
HEADINGS = {"datum": "date", "date": "date", "värde": "value", "value": "value", "källa": "source",
            "source": "source", "kommentar": "comment", "comment": "comment"}
LABELS = {"date": "Datum", "value": "Värde", "source": "Källa", "comment": "Kommentar"}
MAX_ROWS = 5000
MAX_LISTED = 20   # errors listed before "and N more"


@dataclass(frozen=True)
class MeasurementsImported:
    indicator_id: int
    measure_id: int
    count: int
    first: date
    last: date


def import_measurements(session: Session, actor, indicator_id: int, source: bytes | None, file_name: str | None,
                        *, now: datetime | None = None) -> MeasurementsImported:
    """Read the sheet and add every value (one history entry each) in one transaction, or raise
    ValidationError with each bad row's number and column under `fields["file"]`, having written nothing.
    No file (`source` None) is refused after the indicator and the actor's right to it are checked."""
    now = now or utcnow()
    load_indicator_to_measure(session, actor, indicator_id)   # NotFound / PermissionDenied before the file
    session.rollback()
    if source is None or not file_name:
        raise ValidationError("Välj en fil att läsa in.", {"file": "Välj en fil att läsa in."})
    rows = _rows(source, file_name)  # read before the write transaction: a large sheet holds no write lock
    with write_transaction(session):
        actor, indicator, measure = load_indicator_to_measure(session, actor, indicator_id)
        today = local_today(now)
        known = set(session.scalars(select(Measurement.measured_on).where(Measurement.indicator_id == indicator.id)))
        parsed, errors = [], []
        for number, raw in rows:
            try:
                values = parse_measurement(raw, indicator, today)
            except ValidationError as exc:
                errors += [f"Rad {number}, {LABELS.get(name, name)}: {message}" for name, message in exc.fields.items()]
                continue
            if values["measured_on"] in known:
                errors.append(f"Rad {number}, Datum: det finns redan ett mätvärde för "
                              f"{values['measured_on'].isoformat()}.")
                continue
            known.add(values["measured_on"])
            parsed.append(values)
        if errors:
            more = f"\n… och {len(errors) - MAX_LISTED} fel till." if len(errors) > MAX_LISTED else ""
            raise ValidationError(f"Filen {file_name} lästes inte in: {len(errors)} fel. Inget har sparats.",
                                  {"file": "\n".join(errors[:MAX_LISTED]) + more})
        if not parsed:
            raise ValidationError(f"Filen {file_name} har inga mätvärden.", {"file": "Filen har inga rader med värden."})
        for values in parsed:
            record_measurement(session, actor, indicator, measure, values, now)
    days = [v["measured_on"] for v in parsed]
    return MeasurementsImported(indicator.id, measure.id, len(parsed), min(days), max(days))


def _rows(source: bytes, file_name: str) -> list[tuple[int, dict[str, Any]]]:
    """(row number, {field: cell}) of every data row; a file that cannot be read, or lacks Datum or Värde,
    is a ValidationError on `file`."""
    try:
        table = read_table(source, display_name=file_name)
    except ImportFileError as exc:
        raise ValidationError(exc.message, {"file": exc.message}) from None
    try:
        fields = [HEADINGS.get(h.strip().lower()) for h in table.headings]
        unknown = [h for h, f in zip(table.headings, fields) if f is None]
        missing = [LABELS[f] for f in ("date", "value") if f not in fields]
        if unknown or missing:
            lines = ([f"Okänd kolumn: {h}" for h in unknown] + [f"Kolumnen {m} saknas." for m in missing])
            raise ValidationError(f"Filen {file_name} har inte kolumnerna Datum, Värde, Källa, Kommentar.",
                                  {"file": "\n".join(lines)})
        rows = []
        for number, cells in table.rows:
            raw = {f: _cell(c) for f, c in zip(fields, cells) if f and _cell(c) is not None}
            if raw:
                rows.append((number, raw))
            if len(rows) > MAX_ROWS:
                raise ValidationError(f"Filen {file_name} har fler än {MAX_ROWS} rader; dela upp den.",
                                      {"file": f"Högst {MAX_ROWS} rader."})
        if table.problems:
            lines = [f"Rad {p.row}, {table.headings[p.column]}: {p.message}" for p in table.problems]
            raise ValidationError(f"Filen {file_name} kunde inte läsas.", {"file": "\n".join(lines)})
        return rows
    finally:
        table.close()


def _cell(value: Any) -> Any:
    """A cell as the form would have it: dates as ISO text, blank as nothing."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return value.strip() or None
    return value
