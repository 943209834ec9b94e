"""The yttrande as .docx: the same words in the same order as the PDF, readable by python-docx."""
import io

import docx

from kfflow.services.documents import yttrande_docx

from tests.audit_factories import (ANSWERS, MEASURES, NO_MEASURE_REASON, RECOMMENDATIONS, SIGNATORIES,
                                   answered_audit, decide)
from tests.conftest import NOW
from tests.pdf_checks import assert_in_order


def docx_text(content: bytes) -> tuple[str, docx.document.Document]:
    document = docx.Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return " ".join(" ".join(parts).split()), document


def test_board_docx(session, users):
    audit, _ = answered_audit(session, users)
    result = yttrande_docx(session, users["registrar"], audit.id, now=NOW)
    assert result.filename == "RS-351-2022-yttrande-utkast.docx"
    body, document = docx_text(result.content)
    expected = ["YTTRANDE – UTKAST", "Dnr: RS/351/2022",
                "Regionstyrelsens yttrande över Fördjupad granskning nr 7/2022 Strategisk kompetensförsörjning",
                "Svar på revisionens rekommendationer:"]
    for number, (rec, answer) in enumerate(zip(RECOMMENDATIONS, ANSWERS), start=1):
        expected += [f"{number}. {rec}", "Svar:", answer]
    expected += [NO_MEASURE_REASON, *[s["name"] for s in SIGNATORIES]]
    assert_in_order(body, expected)
    assert_in_order(body, [RECOMMENDATIONS[2], "Regionstyrelsen vidtar följande åtgärder:", MEASURES[2], MEASURES[1]])
    props = document.core_properties
    assert (props.author, props.language) == ("Regionstyrelsen", "sv-SE")
    assert 'w:val="sv-SE"' in document.styles["Normal"].element.xml
    footer = document.sections[0].footer._element.xml
    assert "Dnr RS/351/2022" in footer and "NUMPAGES" in footer


def test_committee_docx_after_decision(session, users):
    audit, _ = answered_audit(session, users, template="committee", responding_body="Hälso- och sjukvårdsnämnden")
    decide(session, users, audit)
    result = yttrande_docx(session, users["owner"], audit.id, now=NOW)
    assert result.filename == "RS-351-2022-yttrande.docx"
    body, _ = docx_text(result.content)
    assert "UTKAST" not in body
    assert_in_order(body, ["Hälso- och sjukvårdsnämndens yttrande", *RECOMMENDATIONS, RECOMMENDATIONS[0], ANSWERS[0],
                           "Sammanfattning", "Beslutat av Hälso- och sjukvårdsnämnden 2023-03-28, § 81.",
                           SIGNATORIES[0]["name"]])
