"""The ranked list as a PDF for the steering group's meeting: the same rows, in the same order, as the page
/atgarder/rangordning and GET /api/v1/measures/ranking (one read model, kfflow.services.ranking)."""
from __future__ import annotations

from datetime import datetime

from kfflow.documents.render import EmbeddedData, html_to_pdf, render_html

TITLE = "Rangordning av åtgärder som väntar på beslut"


def ranking_data(view, *, organisation: str) -> dict:
    """The ranking as plain data: what the PDF prints and embeds as JSON."""
    return {
        "kind": "rangordning", "organisation": organisation, "document_date": view.as_of.isoformat(),
        "maximum": view.maximum, "unscored": view.unscored,
        "criteria": [{"name": c.name, "label": c.label, "weight": c.weight, "better": c.better,
                      "scale": [{"value": int(o.value), "label": o.label} for o in c.steps]} for c in view.criteria],
        "items": [{"rank": i.rank, "id": i.id, "title": i.title, "state": i.state_label, "score": i.score,
                   "steps": [{"criterion": line.criterion.name, "step": line.step, "label": line.step_label}
                             for line in i.lines]} for i in view.items],
    }


def ranking_pdf(data: dict, *, when: datetime) -> bytes:
    html = render_html("rangordning.html", {"d": data, "title": TITLE, "organisation": data["organisation"],
                                             "draft": False, "author": data["organisation"],
                                             "document_date": data["document_date"], "diarienummer": None})
    embedded = EmbeddedData(name=f"rangordning-{data['document_date']}.json", data=data,
                            description="Rangordningens uppgifter i maskinläsbar form (JSON)")
    return html_to_pdf(html, embedded=embedded, when=when)
