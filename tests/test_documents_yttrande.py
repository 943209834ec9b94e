"""The yttrande as a PDF read back: wording and order, tagged PDF/A-3a, the embedded JSON, fonts, a picture."""
import pytest

from kfflow.errors import NotFound, PermissionDenied
from kfflow.services.documents import preview_yttrande

from tests.audit_factories import (ANSWERS, MEASURES, NO_MEASURE_REASON, RECOMMENDATIONS, SIGNATORIES,
                                   answered_audit, decide)
from tests.conftest import NOW
from tests.pdf_checks import (assert_in_order, embedded_fonts, embedded_json, first_page_ink, page_texts, pdfa_part,
                              qpdf_check, reader, text)

TITLE = "Regionstyrelsens yttrande över Fördjupad granskning nr 7/2022 Strategisk kompetensförsörjning"


def board_order() -> list[str]:
    """What the board layout says, in the order it must say it."""
    links = [[MEASURES[0]], [MEASURES[0], MEASURES[1]], [MEASURES[2], MEASURES[1]], []]
    expected = [TITLE, "Svar på revisionens rekommendationer:"]
    for number, (rec, answer, measures) in enumerate(zip(RECOMMENDATIONS, ANSWERS, links), start=1):
        expected += [f"{number}. {rec}", "Svar:", answer]
        if measures:
            expected += ["Regionstyrelsen vidtar följande åtgärder:", *measures]
        else:
            expected += [NO_MEASURE_REASON]
    return expected + [s[key] for s in SIGNATORIES for key in ("name", "title")]


def test_board_draft_reads_like_the_statement(session, users, tmp_path):
    audit, _ = answered_audit(session, users)
    pdf = preview_yttrande(session, users["contributor"], audit.id, now=NOW)
    body = text(pdf)
    assert_in_order(body, board_order())
    assert "åtgärder" in body and "Östersund" in body and "Ärlebäck" in body  # å, ä, ö intact
    pages = page_texts(pdf)
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert "UTKAST" in page
        assert "RS/351/2022" in page
        assert f"Sida {number} av {len(pages)}" in page
    # A draft is dated today; no decision is stated yet.
    assert "Datum: 2026-03-02" in body and "Beslutat av" not in body


def test_pdf_is_archival(session, users, tmp_path):
    audit, _ = answered_audit(session, users)
    decide(session, users, audit)
    pdf = preview_yttrande(session, users["owner"], audit.id, now=NOW)
    assert pdfa_part(pdf) == ("3", "A")
    info = reader(pdf).metadata
    assert (info.title, info.author) == (TITLE, "Regionstyrelsen")
    root = reader(pdf).trailer["/Root"]
    assert root["/Lang"] == "sv"
    # PDF/A-3: the JSON copy is an associated file, named once, related to the document as its data.
    (associated,) = root["/AF"]
    assert associated.get_object()["/AFRelationship"] == "/Data"
    assert "/OutputIntents" in root
    check = qpdf_check(pdf, tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "No syntax or stream encoding errors" in check.stdout
    fonts = embedded_fonts(pdf)
    assert {"Liberation-Serif", "Liberation-Sans-Bold"} <= fonts
    assert first_page_ink(pdf, tmp_path) > 0.01
    assert "Beslutat av Regionstyrelsen 2023-03-28, § 81." in text(pdf)
    assert "Datum: 2023-03-28" in text(pdf)


def test_embedded_json_matches_the_case(session, users):
    audit, measures = answered_audit(session, users)
    data = embedded_json(preview_yttrande(session, users["owner"], audit.id, now=NOW))
    assert data["draft"] is True and data["kind"] == "yttrande"
    assert data["audit"]["diarienummer"] == "RS/351/2022"
    assert data["audit"]["signatories"] == SIGNATORIES
    assert [r["number"] for r in data["recommendations"]] == [1, 2, 3, 4]
    assert [r["text"] for r in data["recommendations"]] == RECOMMENDATIONS
    assert [r["answer"] for r in data["recommendations"]] == ANSWERS
    assert [[m["id"] for m in r["measures"]] for r in data["recommendations"]] == [
        [measures[0].id], [measures[0].id, measures[1].id], [measures[2].id, measures[1].id], []]
    assert data["recommendations"][3]["no_measure_reason"] == NO_MEASURE_REASON


def test_committee_layout(session, users, tmp_path):
    audit, _ = answered_audit(session, users, template="committee", responding_body="Hälso- och sjukvårdsnämnden")
    pdf = preview_yttrande(session, users["owner"], audit.id, now=NOW)
    body = text(pdf)
    title = "Hälso- och sjukvårdsnämndens yttrande över Fördjupad granskning nr 7/2022 Strategisk kompetensförsörjning"
    # First the recommendations as a list, then each one with its answer under it, then the summary.
    expected = [title, *RECOMMENDATIONS]
    for rec, answer in zip(RECOMMENDATIONS, ANSWERS):
        expected += [rec, answer]
    expected += ["Hälso- och sjukvårdsnämnden vidtar ingen åtgärd:", NO_MEASURE_REASON, "Sammanfattning",
                 "Regionen har påbörjat ett omfattande arbete", *[s["name"] for s in SIGNATORIES]]
    assert_in_order(body, expected)
    assert_in_order(body, [RECOMMENDATIONS[0], ANSWERS[0], "Hälso- och sjukvårdsnämnden vidtar följande åtgärder:",
                           MEASURES[0], RECOMMENDATIONS[1]])
    assert "Svar:" not in body  # the committee answers under each recommendation's own text
    assert reader(pdf).metadata.author == "Hälso- och sjukvårdsnämnden"
    assert first_page_ink(pdf, tmp_path) > 0.01


def test_user_text_is_escaped_not_markup(session, users):
    answers = list(ANSWERS)
    answers[0] = "Svaret <b>fetstil</b> & <script>x</script> – 5 < 7"
    audit, _ = answered_audit(session, users, answers=answers)
    body = text(preview_yttrande(session, users["owner"], audit.id, now=NOW))
    assert "Svaret <b>fetstil</b> & <script>x</script> – 5 < 7" in body


def test_preview_needs_an_active_user_and_an_audit(session, users):
    from kfflow.services.users import set_active

    audit, _ = answered_audit(session, users)
    with pytest.raises(NotFound):
        preview_yttrande(session, users["owner"], audit.id + 999, now=NOW)
    set_active(session, users["admin"], users["contributor"].id, False)
    with pytest.raises(PermissionDenied):
        preview_yttrande(session, users["contributor"], audit.id, now=NOW)
