"""The interim report (delrapport / lägesbild) and the final report (slutredovisning) as data.

Read-only: one query per kind of fact, measures loaded with their owners and progress reports in
bulk so that a report over hundreds of measures stays a handful of queries.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kfflow.clock import LOCAL_TZ, local_today
from kfflow.documents.render import EmbeddedData, html_to_pdf, render_html, sv_number
from kfflow.kinds import KINDS
from kfflow.models import HistoryEntry, Measure, Recommendation, User
from kfflow.services.indicators import indicator_statuses_by_measure
from kfflow.workflow import get_workflows, is_late

NO_CATEGORY = "Utan kategori"
NO_GROUP = "Utan arbetsgrupp"
QUESTIONS = (("done", "Vad är gjort?"), ("ongoing", "Vad pågår?"), ("planned", "Vad finns planerat?"))
PERIOD_EVENTS = {"decide": "Beslutad", "implement": "Genomförd", "evaluate": "Utvärderad"}
# Colours of the chart's segments, by a state's place in its lifecycle file: the way forward from light blue to
# dark green, then greys for the ends (grey again for states beyond the palette).
STATE_PALETTE = ("#c6dbef", "#6baed6", "#2171b5", "#31a354", "#006d2c", "#bdbdbd", "#969696")


def _labels(vocabulary: str) -> dict[str, str]:
    return {o.value: o.label for o in get_workflows().vocabulary(vocabulary)}


def _day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The period's first and last local days as UTC bounds (the history stores UTC)."""
    return (datetime.combine(start, time.min, LOCAL_TZ).astimezone(timezone.utc),
            datetime.combine(end + timedelta(days=1), time.min, LOCAL_TZ).astimezone(timezone.utc))


def _measures(session: Session) -> list[Measure]:
    return list(session.scalars(select(Measure).options(
        selectinload(Measure.owner), selectinload(Measure.owner_body), selectinload(Measure.progress_reports))
        .order_by(Measure.id)))


def owner_name(case) -> str:
    if getattr(case, "owner", None) is not None:
        return case.owner.display_name
    if getattr(case, "owner_body", None) is not None:
        return case.owner_body.name
    return "–"


def _category_order() -> list[tuple[str | None, str]]:
    return [(o.value, o.label) for o in get_workflows().vocabulary("categories")] + [(None, NO_CATEGORY)]


# --- the chart ----------------------------------------------------------------------------------

def state_chart(counts: dict[tuple[str, str | None], int], states: list[tuple[str, str]],
                categories: list[tuple[str | None, str]], *, width: float = 460, bar_height: float = 18,
                label_width: float = 90) -> dict:
    """Horizontal stacked bars, one per category, a segment per state; geometry only, the template draws."""
    shown = [(value, label) for value, label in categories if any(counts.get((s, value)) for s, _ in states)]
    largest = max([sum(counts.get((s, value), 0) for s, _ in states) for value, _ in shown] or [1]) or 1
    scale = (width - label_width - 40) / largest
    colour = {state: STATE_PALETTE[i] if i < len(STATE_PALETTE) else "#999999" for i, (state, _) in enumerate(states)}
    bars = []
    for row, (value, label) in enumerate(shown):
        x, segments = label_width, []
        for state, state_label in states:
            n = counts.get((state, value), 0)
            if n:
                segments.append({"x": round(x, 2), "width": round(n * scale, 2), "count": n,
                                 "colour": colour[state], "label": state_label})
                x += n * scale
        bars.append({"label": label, "total": sum(s["count"] for s in segments),
                     "y": row * (bar_height + 8) + 4, "segments": segments})
    legend = [{"label": label, "colour": colour[state]} for state, label in states
              if any(counts.get((state, value)) for value, _ in categories)]
    height = len(bars) * (bar_height + 8) + 4
    return {"width": width, "height": height + 28, "bar_height": bar_height, "label_width": label_width,
            "bars": bars, "legend": legend, "legend_y": height + 14, "alt": chart_alt(bars)}


def chart_alt(bars: list[dict]) -> str:
    """The chart in words, for the tagged PDF's Figure (a screen reader cannot see the bars)."""
    def one(bar: dict) -> str:
        parts = ", ".join(f"{s['label']} {s['count']}" for s in bar["segments"])
        return f"{bar['label']} {bar['total']} ({parts})"
    described = "; ".join(one(bar) for bar in bars)
    return f"Stapeldiagram: åtgärder per kategori, fördelade på läge. {described}."


# --- shared parts -------------------------------------------------------------------------------

def working_group_status(measures: list[Measure], until: date | None = None) -> list[dict]:
    """Per working group, the three questions answered from each measure's latest progress report."""
    order = [o.value for o in get_workflows().vocabulary("working_groups")]
    labels = _labels("working_groups")
    groups: dict[str, dict[str, list[dict]]] = defaultdict(lambda: {key: [] for key, _ in QUESTIONS})
    for m in measures:
        reports = [r for r in m.progress_reports if until is None or r.reported_on <= until]
        if not reports:
            continue
        latest = max(reports, key=lambda r: (r.reported_on, r.id))
        group = groups[m.working_group or NO_GROUP]
        for key, _ in QUESTIONS:
            answer = getattr(latest, key)
            if answer:
                group[key].append({"title": m.title, "text": answer, "reported_on": latest.reported_on.isoformat()})
    ordered = [g for g in order if g in groups] + sorted(g for g in groups if g not in order)
    return [{"name": labels.get(g, g),
             "questions": [{"question": q, "answers": groups[g][key]} for key, q in QUESTIONS]}
            for g in ordered]


def _measure_row(m: Measure, state_labels, category_labels) -> dict:
    return {"id": m.id, "title": m.title, "state": state_labels(m.state), "owner": owner_name(m),
            "category": category_labels.get(m.category, NO_CATEGORY),
            "working_group": m.working_group, "due_date": m.due_date.isoformat() if m.due_date else None,
            "decision_ref": m.decision_ref}


def indicator_tables(session: Session, measures: list[Measure], *, until: date) -> list[dict]:
    """Per measure with indicators: each indicator's baseline, latest value up to `until`, target and where it
    stands against the target (the same verdict as the evaluate form)."""
    statuses = indicator_statuses_by_measure(session, [m.id for m in measures], today=until, until=until)
    return [{"id": m.id, "title": m.title, "indicators": [{
        "name": i.name, "unit": i.unit, "direction": i.direction,
        "baseline": i.baseline, "baseline_date": i.baseline_date.isoformat(),
        "latest": {"value": i.latest.value, "date": i.latest.measured_on.isoformat()} if i.latest else None,
        "target": i.target, "target_date": i.target_date.isoformat(),
        "standing": i.standing, "verdict": i.verdict, "chart": _indicator_chart(i)} for i in statuses[m.id]]}
        for m in measures if statuses[m.id]]


def _indicator_chart(status) -> dict:
    """The measure page's line chart geometry, with its numbers in words for the tagged PDF's Figure."""
    chart = status.chart
    latest = status.latest.value if status.latest else status.baseline
    alt = (f"Linjediagram: {status.name} från {sv_number(status.baseline)} till {sv_number(latest)} {status.unit}, "
           f"mål {sv_number(status.target)} {status.unit} till {status.target_date.isoformat()}.")
    return {"width": chart.width, "height": chart.height, "target_y": chart.target_y,
            "points": [list(p) for p in chart.points], "alt": alt}


# --- delrapport ---------------------------------------------------------------------------------

def _as_read(obj, kind: str):
    """Identity: what the reader may see is decided by the caller's `view` (kfflow.services.secrecy)."""
    return obj


def _notice(case) -> str | None:
    """The secrecy notice when the reader may not read this (viewed) case, else None."""
    marking = getattr(case, "secrecy", None)
    return marking.notice if marking is not None and marking.masked else None


def delrapport_data(session: Session, start: date, end: date, *, organisation: str,
                    diarienummer: str | None, document_date: date, view: Callable = _as_read) -> dict:
    wf = get_workflows().current("measure")
    state_labels = wf.state_label
    category_labels = _labels("categories")
    effect_labels = _labels("effects")
    measures = view(_measures(session), "measure")
    by_id = {m.id: m for m in measures}
    states = [(s, st.label) for s, st in wf.states.items()]
    categories = _category_order()

    counts = Counter((m.state, m.category if m.category in category_labels else None) for m in measures)
    table = [{"state": label, "cells": [counts.get((s, c), 0) for c, _ in categories],
              "total": sum(counts.get((s, c), 0) for c, _ in categories)} for s, label in states]
    totals = [sum(counts.get((s, c), 0) for s, _ in states) for c, _ in categories]

    low, high = _day_bounds(start, end)
    entries = session.scalars(select(HistoryEntry).where(
        HistoryEntry.case_kind == "measure", HistoryEntry.trigger.in_(PERIOD_EVENTS),
        HistoryEntry.at >= low, HistoryEntry.at < high).order_by(HistoryEntry.at, HistoryEntry.id))
    events = {key: [] for key in PERIOD_EVENTS}
    for e in entries:
        m = by_id.get(e.case_id)
        if m is None:
            continue
        fields = e.fields or {}
        hidden = _notice(m)
        if hidden:
            fields = {k: hidden for k in fields}
        events[e.trigger].append({
            "date": local_today(e.at).isoformat(), "title": m.title, "owner": owner_name(m),
            "category": category_labels.get(m.category, NO_CATEGORY),
            "decision_ref": fields.get("decision_ref"), "note": fields.get("implementation_note"),
            "effect": effect_labels.get(fields.get("effect"), fields.get("effect")),
            "evaluation": fields.get("evaluation")})

    overdue = sorted((m for m in measures if is_late(m, end)),
                     key=lambda m: (m.due_date, m.id))
    return {
        "kind": "delrapport", "organisation": organisation, "diarienummer": diarienummer,
        "document_date": document_date.isoformat(), "period": {"from": start.isoformat(), "to": end.isoformat()},
        "measure_count": len(measures),
        "categories": [label for _, label in categories],
        "counts": table, "totals": totals,
        "chart": state_chart(counts, states, categories),
        "events": [{"label": PERIOD_EVENTS[k], "key": k, "rows": rows} for k, rows in events.items()],
        "overdue": [_measure_row(m, state_labels, category_labels) for m in overdue],
        "working_groups": working_group_status(measures, until=end),
        "indicators": indicator_tables(session, measures, until=end),
    }


# --- slutredovisning ----------------------------------------------------------------------------

def _handovers(session: Session, hidden: Callable = lambda kind, case_id: None) -> dict[tuple[str, int], dict]:
    """The latest reassignment of each case, with whom it came from (the owner recorded before it)."""
    names = {u.username: u.display_name for u in session.scalars(select(User))}
    entries = session.scalars(select(HistoryEntry).where(HistoryEntry.case_kind.in_(("measure", "recommendation")))
                              .order_by(HistoryEntry.case_kind, HistoryEntry.case_id, HistoryEntry.id))
    owners: dict[tuple[str, int], str | None] = {}
    result: dict[tuple[str, int], dict] = {}
    for e in entries:
        key = (e.case_kind, e.case_id)
        new_owner = (e.fields or {}).get("owner")
        if e.trigger == "reassign" and new_owner:
            previous = owners.get(key)
            result[key] = {"date": local_today(e.at).isoformat(), "from": names.get(previous, previous) or "–",
                           "to": names.get(new_owner, new_owner),
                           "reason": hidden(*key) or (e.fields or {}).get("reason")}
        if new_owner:
            owners[key] = new_owner
    return result


def _open_cases(session: Session) -> list:
    """Cases whose work goes on after the report: measures being carried out (`reportable`), and
    recommendations not yet followed up or withdrawn (`open`)."""
    found = []
    for kind, tag in (("measure", "reportable"), ("recommendation", "open")):
        model = KINDS[kind].model
        stmt = select(model).where(model.state.in_(get_workflows().current(kind).tagged(tag))).order_by(model.id)
        if model is Measure:
            stmt = stmt.options(selectinload(Measure.owner), selectinload(Measure.owner_body))
        else:
            stmt = stmt.options(selectinload(Recommendation.owner), selectinload(Recommendation.audit))
        found.extend(session.scalars(stmt))
    return found


def slutredovisning_data(session: Session, *, organisation: str, diarienummer: str | None,
                         document_date: date, view: Callable = _as_read) -> dict:
    wf = get_workflows()
    state_label = {"measure": wf.current("measure").state_label,
                   "recommendation": wf.current("recommendation").state_label}
    category_labels = _labels("categories")
    measures = view(_measures(session), "measure")

    def adopted(m: Measure) -> bool:
        """Counted as decided: decided, and everything a decision led to."""
        return wf.get(m.workflow_name, m.workflow_version).has_tag(m.state, "adopted")

    groups = []
    for value, label in _category_order():
        rows = [_measure_row(m, state_label["measure"], category_labels) for m in measures
                if adopted(m) and (m.category if m.category in category_labels else None) == value]
        if rows or value is not None:
            groups.append({"label": label, "measures": rows})
    open_list = [view(case, case.case_kind) for case in _open_cases(session)]
    notices = {(c.case_kind, c.id): _notice(c) for c in open_list}
    handovers = _handovers(session, lambda kind, case_id: notices.get((kind, case_id)))
    open_cases = []
    for case in open_list:
        key = (case.case_kind, case.id)
        if case.case_kind == "measure":
            title = case.title
        else:
            title = f"Rekommendation {case.number} ({case.audit.name} nr {case.audit.number})"
        open_cases.append({"kind": "Åtgärd" if case.case_kind == "measure" else "Rekommendation",
                           "id": case.id, "title": title, "state": state_label[case.case_kind](case.state),
                           "owner": owner_name(case), "handover": handovers.get(key)})
    return {
        "kind": "slutredovisning", "organisation": organisation, "diarienummer": diarienummer,
        "document_date": document_date.isoformat(),
        "decided_by_category": groups,
        "working_groups": working_group_status(measures),
        "open_cases": open_cases,
        "handed_over": sum(1 for c in open_cases if c["handover"]),
        "indicators": indicator_tables(session, [m for m in measures if adopted(m)], until=document_date),
    }


# --- rendering ----------------------------------------------------------------------------------

REPORTS = {"delrapport": "delrapport.html", "slutredovisning": "slutredovisning.html"}


def delrapport_title(data: dict) -> str:
    return f"Delrapport – lägesbild för kompetensförsörjningens åtgärder {data['period']['from']} – {data['period']['to']}"


def slutredovisning_title(_data: dict) -> str:
    return "Slutredovisning av åtgärder för strategisk kompetensförsörjning"


def report_html(data: dict) -> str:
    """The finished HTML of a report; `data["kind"]` says which."""
    title = (delrapport_title if data["kind"] == "delrapport" else slutredovisning_title)(data)
    context = {"d": data, "title": title, "organisation": data["organisation"], "draft": False,
               "author": data["organisation"], "document_date": data["document_date"],
               "diarienummer": data["diarienummer"]}
    return render_html(REPORTS[data["kind"]], context)


def report_pdf(data: dict, *, when: datetime) -> bytes:
    stem = data["kind"]
    if "period" in data:
        stem += f"-{data['period']['from']}-{data['period']['to']}"
    embedded = EmbeddedData(name=f"{stem}.json", data=data, description="Rapportens uppgifter i maskinläsbar form (JSON)")
    return html_to_pdf(report_html(data), embedded=embedded, when=when)
