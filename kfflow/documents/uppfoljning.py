"""The follow-up of an audit ("Uppföljning av granskning …") as plain data, and as tagged PDF/A-3a like the
yttrande: headings in order, each recommendation's measures and indicators as tables with header cells."""
from __future__ import annotations

from datetime import date, datetime

from kfflow.documents.render import audit_document_html, audit_document_pdf

TEMPLATE = "uppfoljning.html"


def _number(value: float) -> str:
    """Swedish decimal comma, no trailing zeros: 7.0 → "7", 7.25 → "7,25"."""
    return f"{value:.4f}".rstrip("0").rstrip(".").replace(".", ",").replace("-", "\u2212")


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _progress(report) -> dict | None:
    if report is None:
        return None
    return {"reported_on": report.reported_on.isoformat(), "done": report.done, "ongoing": report.ongoing,
            "planned": report.planned}


def _indicator(line) -> dict:
    latest = line.latest
    return {"name": line.name, "unit": line.unit, "direction": line.direction,
            "baseline": line.baseline, "baseline_text": _number(line.baseline), "baseline_date": _day(line.baseline_date),
            "target": line.target, "target_text": _number(line.target), "target_date": _day(line.target_date),
            "latest": {"value": latest.value, "text": _number(latest.value), "date": _day(latest.measured_on)}
            if latest else None, "stale": line.stale}


def _measure(row) -> dict:
    return {"id": row.id, "title": row.title, "state": row.state, "state_label": row.state_label,
            "due_date": _day(row.due_date), "late": row.late, "latest_progress": _progress(row.latest_progress),
            "effect": row.effect, "effect_label": row.effect_label,
            "indicators": [_indicator(i) for i in row.indicators]}


def follow_up_data(view, *, organisation: str, document_date: date) -> dict:
    """Everything the follow-up says (a `services.audit_follow_up.AuditFollowUp`), as plain data: the
    template's input and the JSON copy embedded in the PDF."""
    a = view.audit
    recommendations = []
    for rec in view.recommendations:
        recurring = rec.recurring_of
        recommendations.append({
            "number": rec.number, "text": rec.text, "answer": rec.answer or "", "state_label": rec.state_label,
            "no_measure_reason": rec.no_measure_reason,
            "answer_adopted_on": rec.answer_adopted_at.date().isoformat() if rec.answer_adopted_at else None,
            "recurring_of": None if recurring is None else {
                "audit_id": recurring.audit_id, "audit_name": recurring.audit_name,
                "audit_number": recurring.audit_number, "number": recurring.number, "text": recurring.text,
                "score": recurring.score},
            "flags": [{"code": f.code, "label": f.label, "measure_id": f.measure_id, "detail": f.detail}
                      for f in rec.flags],
            "measures": [_measure(m) for m in rec.measures],
        })
    return {
        "kind": "uppfoljning", "organisation": organisation, "document_date": document_date.isoformat(),
        "as_of": view.as_of.isoformat(),
        "audit": {"id": a.id, "name": a.name, "number": a.number, "subject": a.subject,
                  "diarienummer": a.diarienummer, "responding_body": a.responding_body,
                  "decision": None if a.meeting_date is None else {
                      "body": a.body, "meeting_date": a.meeting_date.isoformat(), "paragraph": a.paragraph}},
        "counts": {code: view.flag_count(code) for code in ("late", "no_measure", "dropped")}
        | {"recurring": view.recurring_count},
        "recommendations": recommendations,
    }


def follow_up_title(data: dict) -> str:
    a = data["audit"]
    return f"Uppföljning av granskning: {a['name']} nr {a['number']} {a['subject']}"


def follow_up_html(data: dict) -> str:
    return audit_document_html(TEMPLATE, data, follow_up_title(data))


def follow_up_pdf(data: dict, *, when: datetime) -> bytes:
    return audit_document_pdf(follow_up_html(data), data, when=when)
