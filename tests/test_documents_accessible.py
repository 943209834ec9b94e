"""Tagged, accessible archival PDFs: every formal document read back with pikepdf against what PDF/A-3a and
PDF/UA-1 ask that a file can show by itself (no veraPDF here; docs/records.md lists what is and is not read)."""
import re

from kfflow.services.documents import preview_yttrande, render_delrapport, render_slutredovisning

from tests.audit_factories import RECOMMENDATIONS, answered_audit, decide
from tests.conftest import NOW
from tests.pdf_checks import (catalog_facts, fonts, reader, structure, transparency, untagged_text, xmp_facts)
from tests.test_documents_reports import END, START, programme  # noqa: F401  (fixture)


def headings(elements: list[dict]) -> list[str]:
    return [e["tag"] for e in elements if re.fullmatch(r"H[1-6]", e["tag"])]


def assert_accessible_archival(pdf: bytes) -> list[dict]:
    """The checks every document passes; returns the structure tree for the document's own checks."""
    title = reader(pdf).metadata.title
    assert title
    # ISO 19005-3 6.7 (level A) / ISO 14289-1 7.1: a marked, structured document with a language.
    catalog = catalog_facts(pdf)
    assert catalog == {"marked": True, "suspects": False, "struct_tree": True, "parent_tree": True, "lang": "sv",
                       "display_doc_title": True, "output_intent": ["/GTS_PDFA1"]}
    # XMP identification matches the claim; the PDF/UA namespace is declared as PDF/A requires (6.6.2.3).
    xmp = xmp_facts(pdf)
    assert (xmp["pdfaid:part"], xmp["pdfaid:conformance"], xmp["pdfuaid:part"]) == ("3", "A", "1")
    assert xmp["extension_schemas"] == 1 and xmp["pdfa_claim"] == "3A"
    assert xmp["dc:title"] == title  # ISO 14289-1 7.1: a title in dc:title, shown by the viewer (DisplayDocTitle)
    # Fonts: every one embedded and mapped to Unicode (19005-3 6.2.11.4, 6.2.11.7; 14289-1 7.21).
    found = fonts(pdf)
    assert found and all(f["embedded"] and f["to_unicode"] for f in found), found
    # Transparency (19005-3 6.2.10): groups only with a colour space, no soft masks, standard blend modes.
    assert transparency(pdf) | {"groups": 0} == {"groups": 0, "groups_without_cs": 0, "soft_masks": 0,
                                                    "nonstandard_blend_modes": set()}
    # 14289-1 7.1: no text outside marked content.
    assert untagged_text(pdf) == 0
    elements = structure(pdf)
    levels = [int(tag[1]) for tag in headings(elements)]
    # One H1 first; no level skipped on the way down (14289-1 7.4.2).
    assert levels[0] == 1 and levels.count(1) == 1, levels
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), levels
    # Figures carry alternative text (14289-1 7.3).
    assert all(e["alt"] for e in elements if e["tag"] == "Figure")
    # Tables: a header row of TH, every data cell tied to its headers (14289-1 7.5).
    header_ids = {e["id"] for e in elements if e["tag"] == "TH"}
    assert None not in header_ids
    cells = [e for e in elements if e["tag"] == "TD"]
    assert all(e["headers"] and set(e["headers"]) <= header_ids for e in cells), cells
    # Only data tables are tables: the letterhead and the signatures are laid out without one.
    return elements


def test_yttrande_is_tagged_with_headings_in_order(session, users):
    audit, _ = answered_audit(session, users)
    decide(session, users, audit)
    elements = assert_accessible_archival(preview_yttrande(session, users["owner"], audit.id, now=NOW))
    # Title, then per recommendation: its text (H2), "Svar:" and "<organ> vidtar …" (H3).
    assert headings(elements) == ["H1"] + ["H2", "H3", "H3"] * len(RECOMMENDATIONS)
    assert not any(e["tag"] == "Table" for e in elements)  # no layout tables
    assert sum(e["tag"] == "L" for e in elements) == 3  # the measures of recommendations 1–3 as lists


def test_committee_yttrande_is_tagged(session, users):
    audit, _ = answered_audit(session, users, template="committee", responding_body="Hälso- och sjukvårdsnämnden")
    elements = assert_accessible_archival(preview_yttrande(session, users["owner"], audit.id, now=NOW))
    assert headings(elements)[:3] == ["H1", "H2", "H3"] and headings(elements)[-1] == "H2"  # … Sammanfattning


def test_delrapport_tables_and_chart_are_tagged(session, users, programme):  # noqa: F811
    pdf = render_delrapport(session, users["contributor"], START.isoformat(), END.isoformat(),
                            diarienummer="RS/351/2022", now=NOW)
    elements = assert_accessible_archival(pdf)
    (figure,) = [e for e in elements if e["tag"] == "Figure"]
    assert figure["alt"].startswith("Stapeldiagram: åtgärder per kategori, fördelade på läge.")
    assert "Rekrytera 2 (Beslutad 2)" in figure["alt"]
    # The counts table: column headers, and each state's row headed by a TH with scope row, so a cell is read
    # as "<state>, <category>: n".
    first_table = elements.index(next(e for e in elements if e["tag"] == "Table"))
    rows = [e for e in elements[first_table:] if e["tag"] in ("TH", "TD")]
    row_header = next(e for e in rows if e["tag"] == "TH" and e["id"] and rows.index(e) > 5)
    data_cell = rows[rows.index(row_header) + 1]
    assert data_cell["tag"] == "TD" and row_header["id"] in data_cell["headers"] and len(data_cell["headers"]) == 2
    assert sum(e["tag"] == "Table" for e in elements) >= 3


def test_slutredovisning_is_tagged(session, users, programme):  # noqa: F811
    pdf = render_slutredovisning(session, users["contributor"], diarienummer="RS/351/2022", now=NOW)
    elements = assert_accessible_archival(pdf)
    assert headings(elements)[:3] == ["H1", "H2", "H3"]
    assert any(e["tag"] == "Table" for e in elements)
