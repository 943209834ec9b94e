"""Read a spreadsheet (.xlsx or .csv) into headings and rows, with limits and clear Swedish messages.

Nothing here knows about measures: a reader yields the heading row and then each data row with the row
number Excel shows, so every later message can point at "rad 19".
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kfflow.errors import KfflowError

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000
MAX_COLUMNS = 100
# An .xlsx is a zip: what counts is what it inflates to. Checked from the zip directory and while the
# sheet streams by, before openpyxl builds a single cell.
MAX_INFLATED_BYTES = 100 * 1024 * 1024       # all parts together
MAX_SHARED_STRINGS_BYTES = 16 * 1024 * 1024  # openpyxl holds every shared string in memory
MAX_CELLS_PER_ROW = 10 * MAX_COLUMNS         # styled empty cells beyond the data are common, millions are not
MAX_CELLS = MAX_ROWS * MAX_COLUMNS
MAX_SHEET_ROWS = 5 * MAX_ROWS                # blank rows included
EXTENSIONS = (".xlsx", ".csv")


class ImportFileError(KfflowError):
    """The file as a whole cannot be read (empty, corrupt, too large, unknown type)."""
    code = "import_file"


@dataclass(frozen=True)
class CellProblem:
    row: int
    column: int  # 0-based index into the headings
    message: str


@dataclass
class Table:
    headings: list[str]
    rows: Iterator[tuple[int, list[Any]]]  # (row number as Excel shows it, cell values)
    notes: list[str] = field(default_factory=list)  # things the user should know, not errors
    problems: list[CellProblem] = field(default_factory=list)  # filled while `rows` is consumed
    close: Callable[[], None] = lambda: None  # releases the file when the rows were not read to the end


def read_table(source: Path | str | bytes, *, display_name: str | None = None) -> Table:
    """`source`: a file, or the bytes of one (a stored upload); `display_name` then names it (and its type)."""
    if not isinstance(source, bytes):
        source = Path(source)
    name = display_name or source.name
    suffix = Path(name).suffix.lower()
    if suffix not in EXTENSIONS:
        raise ImportFileError(f"Filtypen ”{suffix or name}” kan inte läsas. Spara filen som .xlsx eller .csv "
                              "(CSV med semikolon eller komma).")
    size = len(source) if isinstance(source, bytes) else source.stat().st_size
    if size == 0:
        raise ImportFileError(f"Filen {name} är tom.")
    if size > MAX_FILE_BYTES:
        raise ImportFileError(f"Filen {name} är {size / 1024 / 1024:.1f} MB; högst "
                              f"{MAX_FILE_BYTES // 1024 // 1024} MB kan läsas in. Dela upp den.")
    return _read_xlsx(source, name) if suffix == ".xlsx" else _read_csv(source, name)


def _opened(source: Path | bytes):
    """What openpyxl and zipfile read: the path, or a fresh file object over the bytes."""
    return io.BytesIO(source) if isinstance(source, bytes) else source


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _trimmed(values: list[Any]) -> list[Any]:
    end = len(values)
    while end and _blank(values[end - 1]):
        end -= 1
    return list(values[:end])


def _headings(values: list[Any], name: str) -> list[str]:
    headings = [("" if v is None else str(v)).strip() for v in _trimmed(values)]
    if len(headings) > MAX_COLUMNS:
        raise ImportFileError(f"Filen {name} har {len(headings)} kolumner; högst {MAX_COLUMNS} kan läsas in.")
    return headings


def _data_rows(table: Table, numbered: Iterator[tuple[int, list[Any]]], name: str):
    """Skip blank rows, enforce the row limit, flag cells beyond the headings."""
    count = 0
    width = len(table.headings)
    for number, values in numbered:
        values = _trimmed(values)
        if not values or all(_blank(v) for v in values):
            continue
        count += 1
        if count > MAX_ROWS:
            raise ImportFileError(f"Filen {name} har fler än {MAX_ROWS} rader; dela upp den.")
        if len(values) > width:
            table.problems.append(CellProblem(number, width, f"raden har {len(values)} celler men bara "
                                                             f"{width} rubriker"))
            values = values[:width]
        yield number, values + [None] * (width - len(values))


def _with_headings(table: Table, source: Iterator[tuple[int, list[Any]]], name: str, *, empty: str) -> Table:
    """Take the first non-blank row as the headings; the rest become the table's data rows."""
    table.close = source.close
    try:
        for _number, values in source:
            if not all(_blank(v) for v in values):
                table.headings = _headings(values, name)
                break
        else:
            raise ImportFileError(empty)
    except BaseException:
        source.close()
        raise
    table.rows = _data_rows(table, source, name)
    return table


# --- xlsx ---------------------------------------------------------------------------------------

_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+[0-9]+:[A-Z]+[0-9]+)"')


def _merged_ranges(source: Path | bytes, sheet_part: str | None) -> list[str]:
    """openpyxl's read-only sheets do not report merged cells; the sheet XML lists them at its end."""
    if not sheet_part:
        return []
    with zipfile.ZipFile(_opened(source)) as archive:
        data = archive.read(sheet_part.lstrip("/"))
    return [m.decode() for m in _MERGE.findall(data)]


_SCAN_TOKEN = re.compile(rb"<(?:\w+:)?(row|c|si)[\s/>]|<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_SCAN_CHUNK = 1024 * 1024


def _scan_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> None:
    """Stream one XML part once, counting rows, cells per row, cells and shared strings; refuse DTDs.

    Tokens start with "<", so each chunk is cut before its last "<" and the rest carried over: no token is
    ever split between two chunks.
    """
    rows = cells = in_row = strings = 0
    carry = b""
    with archive.open(info) as stream:
        while True:
            chunk = stream.read(_SCAN_CHUNK)
            data = carry + chunk
            cut = data.rfind(b"<") if chunk else len(data)
            data, carry = (data[:cut], data[cut:]) if cut > 0 else (data, b"")
            for match in _SCAN_TOKEN.finditer(data):
                token = match.group(1)
                if match.group(2):
                    raise ImportFileError(f"Filen {name} innehåller en dokumenttypsdefinition (DOCTYPE/ENTITY) som "
                                          "inte kan läsas in. Spara filen på nytt som .xlsx från Excel.")
                if token == b"row":
                    rows, in_row = rows + 1, 0
                    if rows > MAX_SHEET_ROWS:
                        raise ImportFileError(f"Filen {name} har fler än {MAX_SHEET_ROWS} rader; dela upp den.")
                elif token == b"c":
                    cells, in_row = cells + 1, in_row + 1
                    if in_row > MAX_CELLS_PER_ROW:
                        raise ImportFileError(f"Rad {rows} i filen {name} har fler än {MAX_CELLS_PER_ROW} celler; "
                                              f"högst {MAX_COLUMNS} kolumner kan läsas in.")
                    if cells > MAX_CELLS:
                        raise ImportFileError(f"Filen {name} har fler än {MAX_CELLS} celler; dela upp den.")
                elif token == b"si":
                    strings += 1
                    if strings > MAX_CELLS:
                        raise ImportFileError(f"Filen {name} har fler än {MAX_CELLS} texter; dela upp den.")
            if not chunk:
                return


def check_xlsx_limits(source: Path | bytes, name: str) -> None:
    """Refuse an .xlsx by what it inflates to, from the zip directory first and then streaming its XML.

    The sizes in the directory are what zipfile inflates a part to at most, so a lying header cannot
    make a part bigger than it says.
    """
    try:
        with zipfile.ZipFile(_opened(source)) as archive:
            parts = archive.infolist()
            inflated = sum(p.file_size for p in parts)
            if inflated > MAX_INFLATED_BYTES:
                raise ImportFileError(f"Filen {name} packas upp till {inflated / 1024 / 1024:.0f} MB; högst "
                                      f"{MAX_INFLATED_BYTES // 1024 // 1024} MB kan läsas in. Dela upp den.")
            for part in parts:
                if part.filename.endswith("sharedStrings.xml") and part.file_size > MAX_SHARED_STRINGS_BYTES:
                    raise ImportFileError(f"Filen {name} har för mycket text i cellerna "
                                          f"({part.file_size / 1024 / 1024:.0f} MB uppackad); dela upp den.")
            for part in parts:
                if part.filename.endswith((".xml", ".rels")):
                    _scan_part(archive, part, name)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError) as exc:
        raise ImportFileError(f"Filen {name} går inte att läsa som en Excel-fil (.xlsx): den är skadad eller "
                              f"inte en .xlsx-fil ({exc.__class__.__name__}).") from None


def _read_xlsx(source: Path | bytes, name: str) -> Table:
    import openpyxl

    check_xlsx_limits(source, name)
    try:
        workbook = openpyxl.load_workbook(_opened(source), read_only=True, data_only=False)
    except Exception as exc:  # noqa: BLE001 - a broken file fails in many ways; the user needs one message
        raise ImportFileError(f"Filen {name} går inte att läsa som en Excel-fil (.xlsx): den är skadad eller "
                              f"inte en .xlsx-fil ({exc.__class__.__name__}).") from None
    try:
        return _xlsx_table(workbook, source, name)
    except BaseException:
        workbook.close()
        raise


def _xlsx_table(workbook, source: Path | bytes, name: str) -> Table:
    notes = []
    visible = [ws for ws in workbook.worksheets if getattr(ws, "sheet_state", "visible") == "visible"]
    if not visible:
        raise ImportFileError(f"Filen {name} har inget synligt blad.")
    sheet = visible[0]
    if len(workbook.worksheets) > 1:
        notes.append(f"Filen har {len(workbook.worksheets)} blad; bara det första synliga, ”{sheet.title}”, "
                     "läses in.")
    try:
        merged = _merged_ranges(source, getattr(sheet, "_worksheet_path", None))
    except (KeyError, zipfile.BadZipFile):
        merged = []
    if merged:
        shown = ", ".join(merged[:10]) + (" …" if len(merged) > 10 else "")
        raise ImportFileError(f"Bladet ”{sheet.title}” har sammanfogade celler ({shown}). Dela upp dem så att "
                              "varje rad har sina egna värden och läs in filen igen.")
    rows = sheet.iter_rows()
    # Not sheet.max_row: without a <dimension> element openpyxl parses the whole sheet once more for it.
    table = Table(headings=[], rows=iter(()), notes=notes)

    def numbered() -> Iterator[tuple[int, list[Any]]]:
        try:
            for cells in rows:
                number = None
                values = []
                for index, cell in enumerate(cells):
                    if number is None and getattr(cell, "row", None):
                        number = cell.row
                    if getattr(cell, "data_type", None) == "f":
                        table.problems.append(CellProblem(number or 0, index, "cellen innehåller en formel "
                                                          f"({str(cell.value)[:40]}); spara värdet i stället"))
                        values.append(None)
                    else:
                        values.append(cell.value)
                if number is not None:
                    yield number, values
        except (zipfile.BadZipFile, KeyError, ValueError, OSError, SyntaxError) as exc:  # XML parse errors too
            raise ImportFileError(f"Filen {name} är skadad och kan inte läsas till slut "
                                  f"({exc.__class__.__name__}).") from None
        finally:
            rows.close()  # the sheet's open stream inside the zip, then the zip itself
            workbook.close()

    return _with_headings(table, numbered(), name, empty=f"Filen {name} är tom: bladet ”{sheet.title}” har "
                                                         "inga rubriker och inga rader.")


# --- csv ----------------------------------------------------------------------------------------

def decode_csv(data: bytes) -> str:
    """UTF-8 with or without a BOM; otherwise Windows-1252, as Swedish Excel saves "CSV (semikolonavgränsad)"."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def sniff_delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    return ";" if first.count(";") >= first.count(",") and ";" in first else ","


def _read_csv(source: Path | bytes, name: str) -> Table:
    text = decode_csv(source if isinstance(source, bytes) else source.read_bytes())
    if not text.strip():
        raise ImportFileError(f"Filen {name} är tom.")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    table = Table(headings=[], rows=iter(()))

    def numbered() -> Iterator[tuple[int, list[Any]]]:
        try:
            # Excel shows one row per record even when a cell holds line breaks.
            for number, values in enumerate(reader, start=1):
                yield number, values
        except csv.Error as exc:
            raise ImportFileError(f"Filen {name} är inte en giltig CSV-fil: {exc}.") from None

    return _with_headings(table, numbered(), name, empty=f"Filen {name} är tom.")
