"""Turn the raw values of a transition's fields (form strings, JSON values) into typed values.

Every problem becomes a Swedish message keyed by the field's name; nothing is written here.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kfflow.errors import ValidationError
from kfflow.workflow.definition import FieldDef

MAX_TEXT = 20_000
MAX_ID = 2**31 - 1  # integer primary keys; a larger number cannot name a row
# Dates people mean in this domain; outside it a typo (0001, 9999) would overflow time zone arithmetic.
DATE_MIN, DATE_MAX = date(1900, 1, 1), date(2199, 12, 31)

# No text may hold these: C0 and C1 control characters (NUL too), DEL, lone surrogates and Unicode
# noncharacters. Nobody types them on purpose, and XML (xlsx, docx), mail headers and PostgreSQL refuse them.
_NONCHARACTERS = r"\ufdd0-\ufdef" + "".join(rf"\U{plane + 0xfffe:08x}\U{plane + 0xffff:08x}"
                                             for plane in range(0, 0x110000, 0x10000))
_NEVER = re.compile(rf"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff{_NONCHARACTERS}]")
# What separates lines (and tab): allowed only in a multi-line text.
_LINE_BREAK = re.compile(r"[\t\n\r\u2028\u2029]")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def check_text(value: Any, *, multiline: bool, max_length: int = MAX_TEXT) -> str:
    """A text as it may be stored, or ValueError with a Swedish message (the caller names the field).

    The one rule for every text a person gives (form, API, command line, import): a string, without
    control characters, on one line unless it is a multi-line text, no longer than its column.
    """
    if not isinstance(value, str):
        raise ValueError("Ange en text.")
    text = value.strip()
    if multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    bad = _NEVER.search(text)
    if bad:
        raise ValueError(f"Texten innehåller ett otillåtet tecken (U+{ord(bad.group()):04X}) "
                         f"på plats {bad.start() + 1}.")
    if not multiline and _LINE_BREAK.search(text):
        raise ValueError("Texten ska stå på en rad, utan radbrytningar eller tabbtecken.")
    if len(text) > max_length:
        raise ValueError(f"Texten får vara högst {max_length} tecken (nu {len(text)}).")
    return text


def without_forbidden(value: Any) -> Any:
    """Text stored before this rule, made fit for XML outputs: each forbidden character becomes U+FFFD.

    Applies inside lists and dicts (a document's data); anything not text is returned as it is.
    """
    if isinstance(value, str):
        return _NEVER.sub("\ufffd", value)
    if isinstance(value, dict):
        return {k: without_forbidden(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(without_forbidden(v) for v in value)
    return value


def text_limits(field: FieldDef, model=None) -> tuple[bool, int]:
    """(multi-line?, longest) for a text field: the model's column decides when there is one.

    A String(n) column holds one line of at most n characters; a Text column several lines.
    """
    column = model.__table__.columns.get(field.name) if model is not None else None
    if column is not None:
        length = getattr(column.type, "length", None)
        return (False, length) if length else (True, MAX_TEXT)
    return field.multiline, field.max_length or MAX_TEXT


def parse_version(value: Any) -> int | None:
    """The version a caller read (optimistic locking): an integer, or a form's string of digits. 1.5 is no version."""
    if value is None:
        return None
    text = value.strip() if isinstance(value, str) else None
    if isinstance(value, bool) or not (isinstance(value, int) or (text and text.isascii() and text.isdigit())):
        raise ValidationError("Versionen är felaktig.", {"version": "Ange versionen som ett heltal."})
    number = int(value)
    if not 0 <= number <= MAX_ID:
        raise ValidationError("Versionen är felaktig.", {"version": "Ange versionen som ett heltal."})
    return number


def _blank(value: Any) -> bool:
    if isinstance(value, dict):  # a judgement (scores) with no step chosen, as an untouched form sends it
        return all(_blank(v) for v in value.values())
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def parse_date(value: Any) -> date:
    """A date object, or an ISO string ÅÅÅÅ-MM-DD; a number such as 20270101 is not a date."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        day = value
    elif isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"Ange ett giltigt datum som ÅÅÅÅ-MM-DD, inte ”{value.strip()}”.") from None
    else:
        shown = _LINE_BREAK.sub(" ", _NEVER.sub("", str(value)))[:40]
        raise ValueError(f"Ange ett giltigt datum som ÅÅÅÅ-MM-DD, inte ”{shown}”.")
    if not DATE_MIN <= day <= DATE_MAX:
        raise ValueError(f"Ange ett datum mellan {DATE_MIN.isoformat()} och {DATE_MAX.isoformat()}.")
    return day


def _parse_user(session: Session, value: Any):
    from kfflow.models import User

    if isinstance(value, User):
        user = value
    else:
        text = str(value).strip()
        by_id = text.isascii() and text.isdigit() and int(text) <= MAX_ID
        stmt = select(User).where(User.id == int(text)) if by_id else select(User).where(User.username == text)
        user = session.scalars(stmt).first()
        if user is None:
            raise ValueError(f"Det finns ingen användare ”{text[:80]}”.")
    if not user.active:
        raise ValueError(f"Användaren {user.display_name} är inaktiverad.")
    return user


def _parse_number(field: FieldDef, value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("Ange ett heltal.")
    try:
        number = int(str(value).strip()) if not isinstance(value, int) else value
    except ValueError:
        raise ValueError("Ange ett heltal.") from None
    if (field.min is not None and number < field.min) or (field.max is not None and number > field.max):
        raise ValueError(f"Ange ett heltal från {field.min:g} till {field.max:g}.")
    return number


def _parse_choice(field: FieldDef, value: Any) -> str:
    text = str(value).strip()
    folded = text.casefold()
    for option in field.options:
        if text == option.value or folded == option.label.casefold() or folded in (
                a.casefold() for a in option.aliases):
            return option.value
    raise ValueError(f"Välj ett av: {field.option_labels()}.")


def _parse_measures(session: Session, value: Any) -> list[int]:
    from kfflow.models import Measure

    items = value if isinstance(value, (list, tuple)) else str(value).replace(",", " ").split()
    try:
        ids = [int(v) for v in items]
    except (TypeError, ValueError):
        raise ValueError("Ange åtgärderna med deras nummer.") from None
    if any(not 0 < i <= MAX_ID for i in ids):
        raise ValueError("Ange åtgärderna med deras nummer.")
    found = set(session.scalars(select(Measure.id).where(Measure.id.in_(ids))))
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise ValueError(f"Okända åtgärder: {', '.join(missing)}.")
    return list(dict.fromkeys(ids))


def _parse_body(session: Session, value: Any):
    from kfflow.models import Body

    name = check_text(value, multiline=False, max_length=200)
    body = session.scalar(select(Body).where(Body.name == name))
    if body is None:
        raise ValueError(f"det finns ingen enhet ”{name[:200]}”.")
    return body


SIGNATORY_TEXT = 200  # a name or a title, one line each


def _parse_signatories(value: Any) -> list[dict]:
    """A list of {name, title}, or text with one signatory a line: "name, title" (the last comma separates
    the title, as in "Anna Ek (S), Ordförande")."""
    if isinstance(value, str):
        value = [dict(zip(("name", "title"), (p.strip() for p in line.rpartition(",")[::2])))
                 if "," in line else {"name": line.strip()} for line in value.splitlines() if line.strip()]
    if not isinstance(value, list) or not all(
            isinstance(s, dict) and isinstance(s.get("name"), str) and s["name"].strip()
            and isinstance(s.get("title") or "", str) for s in value):
        raise ValueError("Ange en lista med namn och titel.")
    return [{"name": check_text(s["name"], multiline=False, max_length=SIGNATORY_TEXT),
             "title": check_text(s.get("title") or "", multiline=False, max_length=SIGNATORY_TEXT)} for s in value]


def parse_value(session: Session, field: FieldDef, value: Any, model=None) -> Any:
    if field.type == "text":
        multiline, longest = text_limits(field, model)
        return check_text(value, multiline=multiline, max_length=longest)
    if field.type == "signatories":  # one a line as typed in a form; each name and title is checked
        return _parse_signatories(value)
    if field.type == "scores":  # {criterion: step} on the scales of workflows/scoring.yaml
        from kfflow.workflow import get_workflows

        scoring = get_workflows().scoring
        if scoring is None:
            raise ValueError("Det finns ingen bedömningsmodell (workflows/scoring.yaml).")
        if isinstance(value, dict):
            for step in value.values():
                if isinstance(step, str):
                    check_text(step, multiline=False, max_length=200)
        return scoring.parse(value)
    if isinstance(value, str):
        # A username, a choice, a date as typed: the same characters are refused before any lookup; the
        # type's own parser judges the rest (signatories come one a line).
        value = check_text(value, multiline=True)
    if field.type == "date":
        return parse_date(value)
    if field.type == "user":
        return _parse_user(session, value)
    if field.type == "number":
        return _parse_number(field, value)
    if field.type == "choice":
        return _parse_choice(field, value)
    if field.type == "measures":
        return _parse_measures(session, value)
    if field.type == "body":
        return _parse_body(session, value)
    raise AssertionError(f"field type {field.type} passed validation but has no parser")


def parse_fields(session: Session, fields: tuple[FieldDef, ...], raw: dict[str, Any],
                 model=None) -> tuple[dict, dict]:
    """Return (values, errors). Fields the transition does not declare are ignored.

    `model` is the table the values go to: its columns set the texts' lengths and which may hold line breaks.
    """
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field in fields:
        value = raw.get(field.name)
        if _blank(value):
            if field.required:
                errors[field.name] = f"{field.label}: fältet måste fyllas i."
            continue
        try:
            values[field.name] = parse_value(session, field, value, model)
        except ValueError as exc:
            errors[field.name] = f"{field.label}: {exc}"
    return values, errors


def to_record(value: Any) -> Any:
    """The value as it is kept in the history (JSON): dates as ISO, users by username."""
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "username"):
        return value.username
    from kfflow.models import Body

    if isinstance(value, Body):
        return value.name
    return value
