"""The yttrande (the board's or a committee's formal statement on an audit) as data, PDF and .docx."""
from __future__ import annotations

from datetime import date, datetime

from kfflow.documents.render import audit_document_html, audit_document_pdf, genitive

TEMPLATES = {"board": "yttrande_board.html", "committee": "yttrande_committee.html"}
DEFAULT_ORGANISATION = "Regionen"


def yttrande_data(audit, *, organisation: str, draft: bool, document_date: date,
                  document_number: int | None = None, version: int | None = None) -> dict:
    """Everything the yttrande says, as plain data: the template's input and the embedded JSON copy."""
    recommendations = []
    for rec in sorted(audit.recommendations, key=lambda r: r.number):
        recommendations.append({
            "number": rec.number, "text": rec.text, "answer": rec.answer or "",
            "no_measure_reason": rec.no_measure_reason,
            "measures": [{"id": m.id, "title": m.title, "state": m.state,
                          "due_date": m.due_date.isoformat() if m.due_date else None} for m in rec.measures],
        })
    decision = None
    if audit.meeting_date is not None:
        decision = {"body": audit.body, "meeting_date": audit.meeting_date.isoformat(),
                    "paragraph": audit.paragraph}
    return {
        "kind": "yttrande", "draft": draft, "organisation": organisation,
        "document_date": document_date.isoformat(), "document_number": document_number, "version": version,
        "audit": {"id": audit.id, "name": audit.name, "number": audit.number, "subject": audit.subject,
                  "diarienummer": audit.diarienummer, "state": audit.state,
                  "received": audit.received.isoformat() if audit.received else None,
                  "responding_body": audit.responding_body, "addressee": audit.addressee,
                  "template": audit.template, "summary": audit.summary,
                  "signatories": list(audit.signatories or [])},
        "decision": decision,
        "recommendations": recommendations,
    }


def yttrande_title(data: dict) -> str:
    a = data["audit"]
    return f"{genitive(a['responding_body'])} yttrande över {a['name']} nr {a['number']} {a['subject']}"


def yttrande_html(data: dict) -> str:
    """The finished HTML of the yttrande (the input WeasyPrint lays out)."""
    return audit_document_html(TEMPLATES[data["audit"]["template"]], data, yttrande_title(data))


def yttrande_pdf(data: dict, *, when: datetime) -> bytes:
    return audit_document_pdf(yttrande_html(data), data, when=when)
