"""Turn the raw values of a transition's fields (form strings, JSON values) into typed values.

Every problem becomes a Swedish message keyed by the field's name; nothing is written here.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kfflow.workflow.definition import FieldDef

MAX_TEXT = 20_000
MAX_ID = 2**31 - 1  # integer primary keys; a larger number cannot name a row


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def parse_date(value: Any) -> date:
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"Ange ett giltigt datum som ÅÅÅÅ-MM-DD, inte ”{text[:40]}”.") from None


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

    name = str(value).strip()
    body = session.scalar(select(Body).where(Body.name == name))
    if body is None:
        raise ValueError(f"det finns ingen enhet ”{name[:200]}”.")
    return body


def _parse_signatories(value: Any) -> list[dict]:
    """A list of {name, title}, or text with one signatory a line: "name, title" (the last comma separates
    the title, as in "Anna Ek (S), Ordförande")."""
    if isinstance(value, str):
        value = [dict(zip(("name", "title"), (p.strip() for p in line.rpartition(",")[::2])))
                 if "," in line else {"name": line.strip()} for line in value.splitlines() if line.strip()]
    if not isinstance(value, list) or not all(
            isinstance(s, dict) and isinstance(s.get("name", ""), str) and str(s.get("name", "")).strip()
            and isinstance(s.get("title", ""), str) for s in value):
        raise ValueError("Ange en lista med namn och titel.")
    return [{"name": s["name"].strip(), "title": s.get("title", "").strip()} for s in value]


def parse_value(session: Session, field: FieldDef, value: Any) -> Any:
    if field.type == "text":
        text = str(value).strip()
        if len(text) > MAX_TEXT:
            raise ValueError(f"Texten får vara högst {MAX_TEXT} tecken.")
        return text
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
    if field.type == "signatories":
        return _parse_signatories(value)
    raise AssertionError(f"field type {field.type} passed validation but has no parser")


def parse_fields(session: Session, fields: tuple[FieldDef, ...], raw: dict[str, Any]) -> tuple[dict, dict]:
    """Return (values, errors). Fields the transition does not declare are ignored."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field in fields:
        value = raw.get(field.name)
        if _blank(value):
            if field.required:
                errors[field.name] = f"{field.label}: fältet måste fyllas i."
            continue
        try:
            values[field.name] = parse_value(session, field, value)
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
