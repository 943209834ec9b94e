"""HTML templates to archival PDF: Jinja with autoescape, our print stylesheet, the safe fetcher, tagged PDF/A-3a
that also claims PDF/UA-1."""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from importlib.resources import files
from io import BytesIO
from pathlib import Path

from babel.numbers import format_decimal
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from weasyprint import CSS, HTML, Attachment
from weasyprint.css import ColorProfile

from kfflow.documents.fetcher import ASSETS_DIR, SafeURLFetcher

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STYLESHEET = ASSETS_DIR / "print.css"
# RA-FS 2009:2 names PDF/A as an archival format; part 3 allows the JSON copy; conformance "a" means tagged
# (structure tree, language, reading order), which the DOS-lagen (EN 301 549) asks of published documents.
PDF_VARIANT = "pdf/a-3a"
# WeasyPrint writes one variant's XMP identification; the same tagged file also meets PDF/UA-1 (ISO 14289-1),
# so the finisher adds its identification, with the extension schema PDF/A requires for a non-standard namespace.
PDF_UA_PART = "1"
# PDF/A needs an output intent. WeasyPrint 70's own "srgb" intent opens its ICC file and never closes
# it (a ResourceWarning per document), so we hand it the same profile under our own name.
OUTPUT_INTENT = "kfflow-srgb"


def genitive(name: str) -> str:
    """Swedish genitive: "Regionstyrelsen" → "Regionstyrelsens"; names ending in s, x or z take nothing."""
    name = (name or "").strip()
    return name if name[-1:].lower() in ("s", "x", "z") else name + "s"


def paragraphs(text: str | None) -> list[str]:
    """Paragraphs of user text (split on blank lines), each escaped by the template like any text."""
    return [p.strip() for p in re.split(r"\n\s*\n", text or "") if p.strip()]


def sv_date(value: date | datetime | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    return value.isoformat() if isinstance(value, date) else str(value)


def sv_number(value: float | None) -> str:
    """7.9 → "7,9" (a Swedish decimal comma, as the pages show it)."""
    return "–" if value is None else format_decimal(value, locale="sv_SE")


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES_DIR)),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(genitive=genitive, paragraphs=paragraphs, sv_date=sv_date, sv_number=sv_number)
    return env


@lru_cache(maxsize=1)
def stylesheet() -> CSS:
    return CSS(filename=str(STYLESHEET), url_fetcher=SafeURLFetcher())


@lru_cache(maxsize=1)
def _srgb_profile_bytes() -> bytes:
    return (files("weasyprint.pdf") / "sRGB2014.icc").read_bytes()


def _color_profiles() -> dict[str, ColorProfile]:
    # A fresh object per document: WeasyPrint stores the PDF object reference on it while writing.
    profile = ColorProfile(BytesIO(_srgb_profile_bytes()), "sRGB2014.icc", "relative-colorimetric",
                           (["r"], ["g"], ["b"]))
    return {OUTPUT_INTENT: profile}


def render_html(template: str, context: dict) -> str:
    return environment().get_template(template).render(**context)


@dataclass(frozen=True)
class EmbeddedData:
    """The machine-readable copy of the case the archive keeps inside the PDF."""
    name: str
    data: dict
    description: str

    def attachment(self, when: datetime) -> Attachment:
        payload = json.dumps(self.data, ensure_ascii=False, indent=2, sort_keys=True, default=sv_date)
        return Attachment(string=payload.encode("utf-8"), name=self.name, description=self.description,
                          relationship="Data", created=when, modified=when, url_fetcher=SafeURLFetcher())


def _single_af_entries(_document, pdf) -> None:
    """WeasyPrint 70 lists each PDF/A-3 associated file twice in the catalog's /AF; keep one of each."""
    associated = pdf.catalog.get("AF")
    if associated:
        unique = list(dict.fromkeys(associated))
        associated.clear()
        associated.extend(unique)


XMP_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
PDFUAID = "http://www.aiim.org/pdfua/ns/id/"
_PDFUA_EXTENSION = f"""<rdf:Description xmlns:rdf="{XMP_RDF}" rdf:about=""
  xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/" xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#"
  xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
 <pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">
  <pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>
  <pdfaSchema:namespaceURI>{PDFUAID}</pdfaSchema:namespaceURI>
  <pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>
  <pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType="Resource">
   <pdfaProperty:name>part</pdfaProperty:name>
   <pdfaProperty:valueType>Integer</pdfaProperty:valueType>
   <pdfaProperty:category>internal</pdfaProperty:category>
   <pdfaProperty:description>Indicates, which part of ISO 14289 standard is followed</pdfaProperty:description>
  </rdf:li></rdf:Seq></pdfaSchema:property>
 </rdf:li></rdf:Bag></pdfaExtension:schemas>
</rdf:Description>
<rdf:Description xmlns:rdf="{XMP_RDF}" xmlns:pdfuaid="{PDFUAID}" rdf:about="" pdfuaid:part="{PDF_UA_PART}"/>
""".encode("utf-8")


def _claim_pdf_ua(_document, pdf) -> None:
    """Add the PDF/UA-1 identification inside the one rdf:RDF of the XMP packet WeasyPrint wrote."""
    metadata = pdf.objects[int(pdf.catalog["Metadata"].split()[0])]
    packet = b"".join(part if isinstance(part, bytes) else str(part).encode("utf-8") for part in metadata.stream)
    closing = packet.rindex(b"</rdf:RDF>")
    metadata.stream = [packet[:closing] + _PDFUA_EXTENSION + packet[closing:]]


def _finish(document, pdf) -> None:
    _single_af_entries(document, pdf)
    _claim_pdf_ua(document, pdf)


def html_to_pdf(html: str, *, embedded: EmbeddedData | None = None, when: datetime) -> bytes:
    """Render finished HTML as tagged PDF/A-3a + PDF/UA-1. Title, author and language come from the HTML head;
    the structure tree (headings, tables, lists, figures with their alt text) from its elements."""
    document = HTML(string=html, base_url=ASSETS_DIR.as_uri() + "/", url_fetcher=SafeURLFetcher())
    return document.write_pdf(
        finisher=_finish, stylesheets=[stylesheet()], pdf_variant=PDF_VARIANT, output_intent=OUTPUT_INTENT,
        color_profiles=_color_profiles(),
        attachments=[embedded.attachment(when)] if embedded else None,
        # The file identifier follows the content, so the same document rendered twice has the same /ID.
        pdf_identifier=hashlib.sha256(html.encode("utf-8")).hexdigest()[:32].encode("ascii"))



def audit_document_html(template: str, data: dict, title: str) -> str:
    """The finished HTML of a document about one audit (`data["audit"]`): the letterhead names the responding
    body, the date and the diarienummer."""
    a = data["audit"]
    return render_html(template, {"d": data, "a": a, "title": title, "organisation": data["organisation"],
                                  "draft": data.get("draft", False), "author": a["responding_body"],
                                  "document_date": data["document_date"], "diarienummer": a["diarienummer"]})


def audit_document_pdf(html: str, data: dict, *, when: datetime) -> bytes:
    """The PDF of a document about one audit, its data embedded as `<kind>-<diarienummer>.json`."""
    dnr = (data["audit"]["diarienummer"] or "utan-dnr").replace("/", "-")
    embedded = EmbeddedData(name=f"{data['kind']}-{dnr}.json", data=data,
                            description="Ärendets uppgifter i maskinläsbar form (JSON)")
    return html_to_pdf(html, embedded=embedded, when=when)
