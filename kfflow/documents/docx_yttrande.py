"""The yttrande as an editable Word file (.docx): the same data and order as the PDF, which stays the formal version."""
from __future__ import annotations

import io

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

from kfflow.documents.render import paragraphs
from kfflow.documents.yttrande import yttrande_title
from kfflow.workflow.fields import without_forbidden


def _field(paragraph, instruction: str) -> None:
    """A Word field such as PAGE or NUMPAGES, updated by Word when the document is shown."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _text_block(doc, text: str | None) -> None:
    for p in paragraphs(text):
        doc.add_paragraph(p)


def _measures(doc, rec: dict, body: str) -> None:
    if rec["measures"]:
        doc.add_heading(f"{body} vidtar följande åtgärder:", level=3)
        for m in rec["measures"]:
            doc.add_paragraph(m["title"], style="List Bullet")
    elif rec["no_measure_reason"]:
        doc.add_heading(f"{body} vidtar ingen åtgärd:", level=3)
        _text_block(doc, rec["no_measure_reason"])


CORE_PROPERTY_LENGTH = 255  # the .docx format's limit for title, author and subject


def _core_property(text: str) -> str:
    """The document's own title may be longer than a core property holds; the heading keeps it whole."""
    return text if len(text) <= CORE_PROPERTY_LENGTH else text[:CORE_PROPERTY_LENGTH - 1] + "…"


def yttrande_docx(data: dict) -> bytes:
    data = without_forbidden(data)  # XML refuses control characters that texts stored before the rule may hold
    a = data["audit"]
    body = a["responding_body"]
    doc = Document()
    props = doc.core_properties
    props.title, props.author, props.language = _core_property(yttrande_title(data)), _core_property(body), "sv-SE"
    props.subject = f"Dnr {a['diarienummer'] or '–'}"
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = "Times New Roman", Pt(11.5)
    lang = OxmlElement("w:lang")  # spelling and hyphenation in Swedish
    lang.set(qn("w:val"), "sv-SE")
    normal.element.get_or_add_rPr().append(lang)

    section = doc.sections[0]
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    footer.add_run(f"Dnr {a['diarienummer'] or '–'}    Sida ")
    _field(footer, "PAGE")
    footer.add_run(" av ")
    _field(footer, "NUMPAGES")

    head = doc.add_paragraph()
    head.add_run(data["organisation"]).bold = True
    head.add_run(f"\n{body}")
    meta = doc.add_paragraph()
    meta.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    meta.add_run("YTTRANDE" + (" – UTKAST" if data["draft"] else "")).bold = True
    meta.add_run(f"\nDatum: {data['document_date']}\nDnr: {a['diarienummer'] or '–'}\nTill: {a['addressee']}")

    doc.add_heading(yttrande_title(data), level=1)
    recs = data["recommendations"]
    if a["template"] == "committee":
        doc.add_paragraph(f"Revisionen rekommenderar {body} att:").runs[0].italic = True
        for rec in recs:
            doc.add_paragraph(rec["text"], style="List Bullet")
        doc.add_paragraph("Svar på revisionens rekommendationer:").runs[0].italic = True
        for rec in recs:
            doc.add_heading(rec["text"], level=2)
            _text_block(doc, rec["answer"])
            _measures(doc, rec, body)
        if a["summary"]:
            doc.add_heading("Sammanfattning", level=2)
            _text_block(doc, a["summary"])
    else:
        doc.add_paragraph("Svar på revisionens rekommendationer:").runs[0].italic = True
        for rec in recs:
            doc.add_heading(f"{rec['number']}. {rec['text']}", level=2)
            doc.add_heading("Svar:", level=3)
            _text_block(doc, rec["answer"])
            _measures(doc, rec, body)
    if data["decision"]:
        d = data["decision"]
        doc.add_paragraph(f"Beslutat av {d['body']} {d['meeting_date']}, {d['paragraph']}.")
    if a["signatories"]:
        doc.add_paragraph()
        table = doc.add_table(rows=1, cols=len(a["signatories"]))
        for cell, s in zip(table.rows[0].cells, a["signatories"]):
            cell.paragraphs[0].add_run("\n\n______________________________")
            name = cell.add_paragraph()
            name.add_run(s["name"]).bold = True
            cell.add_paragraph(s["title"])
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
