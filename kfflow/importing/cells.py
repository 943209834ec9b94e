"""Cell values both ways: Swedish date forms in, spreadsheet-formula neutralisation out and back."""
from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

# A cell starting with one of these is run as a formula by Excel or LibreOffice (CSV/formula injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_DMY = re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?$")


def neutralise(value: Any) -> Any:
    """Prefix text that a spreadsheet would run as a formula with ', so it stays text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def unneutralise(text: str) -> str:
    """Undo `neutralise` on import: the ' that export put before =, +, -, @, tab or CR goes again."""
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def cell_text(value: Any) -> str:
    """A cell as text: numbers without a trailing .0, dates as ISO, the export's ' prefix removed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return unneutralise(str(value).strip()).strip()


def parse_cell_date(value: Any) -> date:
    """2023-06-30, 30/6/2023, 30.6.2023 or an Excel date cell; anything else raises ValueError in Swedish."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = cell_text(value)
    iso = _ISO.match(text)
    dmy = _DMY.match(text)
    try:
        if iso:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        if dmy:
            return date(int(dmy[3]), int(dmy[2]), int(dmy[1]))
    except ValueError:
        raise ValueError(f"\"{text}\" är inget giltigt datum") from None
    raise ValueError(f"\"{text[:40]}\" är inget datum; skriv till exempel 2023-06-30 eller 30/6/2023")
