"""The readable PDF of `kfflow person export` (a registerutdrag): the same data as the JSON, one small table
per record, tagged PDF/A-3a like every document kfflow makes, with the JSON attached."""
from __future__ import annotations

from datetime import datetime

from kfflow.clock import local_today

from kfflow.documents.render import EmbeddedData, html_to_pdf, render_html, sv_date

# Readable names of the tables that point at a person; a table not named here is shown by its own name.
SECTIONS = {
    "account_event": "Kontohändelser", "api_token": "API-nycklar", "audit": "Granskningar som ansvarig",
    "calendar_token": "Kalenderprenumerationer", "comment": "Kommentarer", "history_entry": "Händelser i ärenden",
    "lagesbild_snapshot": "Frysta lägesbilder", "login_session": "Inloggningar", "measure": "Åtgärder",
    "notification": "Aviseringar", "notification_preference": "Inställningar för aviseringar",
    "outbox": "E-post", "stored_file": "Lagrade filer", "thinning_log": "Gallringar",
    "user_role_change": "Rolländringar", "document_record": "Registrerade handlingar",
    "indicator": "Indikatorer", "job": "Beställda rapporter", "progress_report": "Lägesrapporter",
    "recommendation": "Rekommendationer som ansvarig", "measurement": "Mätvärden",
}


def _text(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "ja" if value else "nej"
    return str(value)


def registerutdrag_pdf(export: dict, *, organisation: str, when: datetime) -> bytes:
    """`export` is what `person_export` returns."""
    person = export["person"]
    data = {
        "exported_at_text": sv_date(datetime.fromisoformat(export["exported_at"])),
        "person": [(name, _text(value)) for name, value in person.items()],
        "sections": [{"label": SECTIONS.get(table, table), "via": ", ".join(found["via"]),
                      "rows": [[(name, _text(value)) for name, value in row.items()] for row in found["rows"]]}
                     for table, found in export["records"].items()],
    }
    title = f"Registerutdrag för {person['display_name']} ({person['username']})"
    html = render_html("registerutdrag.html", {"d": data, "title": title, "organisation": organisation,
                                               "author": organisation, "draft": False, "diarienummer": None,
                                               "document_date": sv_date(local_today())})
    embedded = EmbeddedData(name=f"registerutdrag-{person['username']}.json", data=export,
                            description="Registerutdraget i maskinläsbar form (JSON)")
    return html_to_pdf(html, embedded=embedded, when=when)
