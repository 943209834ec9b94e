"""Guards and effects that workflow files may name: an explicit registry, never an import path.

A string from YAML is only ever a key into these dicts, so a workflow file cannot make the engine
import or call anything that is not registered here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Callable

from sqlalchemy.orm import Session

from kfflow.clock import local_today


@dataclass
class FireContext:
    session: Session
    actor: Any
    case: Any
    transition: Any
    fields: dict[str, Any] | None  # parsed values; None when only checking what is offered
    now: datetime
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def today(self) -> date:
        return local_today(self.now)


@dataclass(frozen=True)
class Guard:
    name: str
    check: Callable[[FireContext], str | None]  # a Swedish reason when the transition may not happen
    needs_fields: bool


GUARDS: dict[str, Guard] = {}
EFFECTS: dict[str, Callable[[FireContext], None]] = {}


def guard(name: str, *, needs_fields: bool = False):
    def register(fn):
        GUARDS[name] = Guard(name, fn, needs_fields)
        return fn
    return register


def effect(name: str):
    def register(fn):
        EFFECTS[name] = fn
        return fn
    return register


# --- guards -------------------------------------------------------------------------------------

@guard("due_date_not_past", needs_fields=True)
def _due_date_not_past(ctx: FireContext) -> str | None:
    due = (ctx.fields or {}).get("due_date")
    if due is not None and due < ctx.today:
        return f"Slutdatumet {due.isoformat()} har redan passerat."
    return None


@guard("answer_drafted")
def _answer_drafted(ctx: FireContext) -> str | None:
    if not (getattr(ctx.case, "answer", None) or "").strip():
        return "Rekommendationen har inget svar ännu. Skriv svaret innan beslutet förs in."
    return None


@guard("linked_measures_implemented")
def _linked_measures_implemented(ctx: FireContext) -> str | None:
    pending = [m for m in ctx.case.measures if m.state not in ("implemented", "evaluated")]
    if pending:
        titles = "; ".join(m.title for m in pending[:5])
        return f"{len(pending)} kopplade åtgärder är inte genomförda: {titles}."
    return None


# --- effects ------------------------------------------------------------------------------------

@effect("clear_evaluation")
def _clear_evaluation(ctx: FireContext) -> None:
    """A reopened case is evaluated anew; the earlier evaluation stays in the history."""
    for attr in ("evaluation", "effect"):
        if hasattr(ctx.case, attr):
            setattr(ctx.case, attr, None)


# --- audit response guards ----------------------------------------------------------------------

@guard("recommendations_answered")
def _recommendations_answered(ctx: FireContext) -> str | None:
    """Every recommendation has an answer and either a linked measure or a stated reason for none."""
    recommendations = list(ctx.case.recommendations)
    if not recommendations:
        return "Granskningen har inga registrerade rekommendationer."
    unanswered = [r.number for r in recommendations if not (r.answer or "").strip()]
    if unanswered:
        return "Rekommendation " + ", ".join(map(str, unanswered)) + " saknar svar."
    bare = [r.number for r in recommendations
            if not r.measure_links and not (r.no_measure_reason or "").strip()]
    if bare:
        return ("Rekommendation " + ", ".join(map(str, bare)) + " har varken någon kopplad åtgärd "
                "eller ett skäl till att ingen åtgärd vidtas.")
    return None


@guard("final_yttrande_registered")
def _final_yttrande_registered(ctx: FireContext) -> str | None:
    from kfflow.models.document import DocumentRecord  # the workflow layer only reads it

    found = ctx.session.scalar(
        DocumentRecord.latest_query(DocumentRecord.KIND_YTTRANDE, "audit", ctx.case.id))
    if found is None:
        return "Det finns inget registrerat yttrande. Skapa yttrandet innan det skickas."
    return None
