"""`kfflow archive export/verify`: one E-ARK CSIP / FGS SIP per closed case, and its verification.

The official XSDs cannot be fetched here, so `test_package_elements_follow_csip_mets_and_premis` checks the
elements and attributes we emit against the CSIP/METS/PREMIS requirements we follow (docs/records.md)."""
from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET

from kfflow.archive import (CASE_NS, CSIP_NS, METS_NS, PREMIS_NS, XLINK_NS, closed_states, file_digest)
from kfflow.models import HistoryEntry
from kfflow.services.cases import fire
from kfflow.services.documents import register_yttrande
from kfflow.services.measures import add_progress_report
from kfflow.workflow import get_workflows

from tests.audit_factories import answered_audit, decide
from tests.conftest import NOW
from tests.factories import measure_in_state

M = f"{{{METS_NS}}}"
P = f"{{{PREMIS_NS}}}"
C = f"{{{CASE_NS}}}"
HREF = f"{{{XLINK_NS}}}href"


def followed_up_audit(session, users):
    audit, _measures = answered_audit(session, users)
    decide(session, users, audit)
    record = register_yttrande(session, users["registrar"], audit.id, now=NOW)
    fire(session, users["registrar"], audit, "send", {"sent_on": "2023-04-03"}, now=NOW)
    fire(session, users["steering"], audit, "follow_up", {"follow_up_note": "Åtgärderna är genomförda."}, now=NOW)
    return audit, record


def evaluated_measure(session, users):
    measure = measure_in_state(session, users, "implemented", title="Förmånsportal, införande")
    add_progress_report(session, users["owner"], measure.id, done="Portalen upphandlad.", ongoing="Införande.",
                        planned="Utvärdering.", now=NOW)
    fire(session, users["steering"], measure, "evaluate", {"evaluation": "Fungerar.", "effect": "achieved"}, now=NOW)
    return measure


def test_closed_states_come_from_the_workflow_definition():
    workflows = get_workflows()
    assert closed_states(workflows.current("measure")) == {"evaluated", "rejected", "withdrawn"}
    assert closed_states(workflows.current("audit")) == {"followed_up"}


def test_export_then_verify_a_closed_measure_and_a_followed_up_audit(session, users, invoke, tmp_path):
    measure = evaluated_measure(session, users)
    audit, record = followed_up_audit(session, users)
    open_measure = measure_in_state(session, users, "decided", title="Fler e-besök")
    out = tmp_path / "leverans"

    result = invoke("archive", "export", "--to", str(out))
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    assert f"kfflow-measure-{measure.id}" in names and f"kfflow-audit-{audit.id}" in names
    assert f"kfflow-measure-{open_measure.id}" not in names, "an open case is not delivered"

    audit_package = out / f"kfflow-audit-{audit.id}"
    pdf = audit_package / "representations/rep1/data/RS-351-2022-1-yttrande-v1.pdf"
    assert pdf.read_bytes()[:5] == b"%PDF-" and hashlib.sha256(pdf.read_bytes()).hexdigest() == record.sha256

    case = ET.parse(audit_package / "metadata/descriptive/case.xml").getroot()
    aggregation = case.find(f"{C}aggregation")
    assert aggregation.find(f"{C}title").text == "Fördjupad granskning 7/2022"
    assert aggregation.find(f"{C}status").get("value") == "followed_up"
    assert [i.text for i in aggregation.findall(f"{C}identification")] == [f"audit:{audit.id}", "RS/351/2022"]
    assert len(aggregation.findall(f"{C}recommendations/{C}recommendation")) == 4
    decisions = [d.get("decisionType") for d in aggregation.findall(f"{C}decisions/{C}decision")]
    assert decisions == ["register", "start_drafting", "decide", "send", "follow_up"]
    assert aggregation.find(f"{C}records/{C}record/{C}identification").text == "RS/351/2022:1"

    measure_package = out / f"kfflow-measure-{measure.id}"
    premis = ET.parse(measure_package / "metadata/preservation/premis.xml").getroot()
    history = session.query(HistoryEntry).filter_by(case_kind="measure", case_id=measure.id) \
        .order_by(HistoryEntry.seq).all()
    events = premis.findall(f"{P}event")
    assert [e.find(f"{P}eventType").text for e in events] == [h.trigger for h in history]
    assert "report_progress" in [h.trigger for h in history]
    assert events[-1].find(f"{P}eventOutcomeInformation/{P}eventOutcomeDetail/{P}eventOutcomeDetailNote").text \
        == f"history chain SHA-256 {history[-1].entry_hash}"
    agent_names = {a.find(f"{P}agentName").text for a in premis.findall(f"{P}agent")}
    assert users["steering"].display_name in agent_names
    measure_case = ET.parse(measure_package / "metadata/descriptive/case.xml").getroot()
    report = measure_case.find(f"{C}aggregation/{C}progressReports/{C}progressReport")
    assert report.get("date") == "2026-03-02"

    verified = invoke("archive", "verify", str(out))
    assert verified.exit_code == 0, verified.output
    assert "2 paket, 5 filer kontrollerade" in verified.output

    again = invoke("archive", "export", "--to", str(out))
    assert again.exit_code == 0 and "0 paket skrivna, 2 fanns redan" in again.output


def test_verify_names_a_changed_byte_and_a_missing_file(session, users, invoke, tmp_path):
    audit, _record = followed_up_audit(session, users)
    out = tmp_path / "leverans"
    assert invoke("archive", "export", "--to", str(out), "--case", f"audit:{audit.id}").exit_code == 0
    package = out / f"kfflow-audit-{audit.id}"
    pdf = package / "representations/rep1/data/RS-351-2022-1-yttrande-v1.pdf"
    original = pdf.read_bytes()
    changed = bytearray(original)
    changed[len(changed) // 2] ^= 0x01
    pdf.write_bytes(bytes(changed))
    result = invoke("archive", "verify", str(package))
    assert result.exit_code == 1
    assert f"kfflow-audit-{audit.id}/representations/rep1/data/RS-351-2022-1-yttrande-v1.pdf: " \
           "kontrollsumman stämmer inte" in result.output

    pdf.write_bytes(original)
    assert invoke("archive", "verify", str(out)).exit_code == 0
    (package / "metadata/preservation/premis.xml").unlink()
    result = invoke("archive", "verify", str(out))
    assert result.exit_code == 1
    assert f"kfflow-audit-{audit.id}/metadata/preservation/premis.xml: filen saknas" in result.output

    (package / "metadata/preservation/extra.txt").write_text("ej listad")
    (package / "metadata/preservation/premis.xml").write_text("x")
    result = invoke("archive", "verify", str(out))
    assert result.exit_code == 1 and "premis.xml: storleken är 1 byte" in result.output


def test_an_open_case_is_refused_with_its_state(session, users, invoke, tmp_path):
    measure = measure_in_state(session, users, "decided")
    out = tmp_path / "leverans"
    result = invoke("archive", "export", "--to", str(out), "--case", f"measure:{measure.id}")
    assert result.exit_code == 1
    assert f"measure:{measure.id} är inte avslutat (status: Beslutad, decided)" in result.output
    assert not out.exists() or not any(out.iterdir())
    result = invoke("archive", "export", "--to", str(out), "--case", "recommendation:1")
    assert result.exit_code == 2 and "SLAG:ID" in result.output
    result = invoke("archive", "export", "--to", str(out), "--case", "measure:99999")
    assert result.exit_code == 1 and "finns inte" in result.output


def test_until_selects_cases_closed_on_or_before_the_date(session, users, invoke, tmp_path):
    measure = measure_in_state(session, users, "rejected")  # closed at NOW, 2026-03-02
    before = invoke("archive", "export", "--to", str(tmp_path / "a"), "--until", "2026-03-01")
    assert before.exit_code == 0 and "0 paket skrivna" in before.output
    on = invoke("archive", "export", "--to", str(tmp_path / "b"), "--until", "2026-03-02")
    assert on.exit_code == 0 and f"kfflow-measure-{measure.id}" in on.output


def test_package_elements_follow_csip_mets_and_premis(session, users, invoke, tmp_path):
    audit, record = followed_up_audit(session, users)
    out = tmp_path / "leverans"
    assert invoke("archive", "export", "--to", str(out), "--case", f"audit:{audit.id}").exit_code == 0
    package = out / f"kfflow-audit-{audit.id}"
    root = ET.parse(package / "METS.xml").getroot()

    # CSIP1-CSIP6: root mets with OBJID = package folder, TYPE, CONTENTINFORMATIONTYPE, PROFILE
    assert root.tag == f"{M}mets"
    assert root.get("OBJID") == package.name and root.get("TYPE") and root.get("PROFILE")
    assert root.get(f"{{{CSIP_NS}}}CONTENTINFORMATIONTYPE") and root.get(f"{{{CSIP_NS}}}OTHERTYPE")
    # CSIP7-CSIP16: metsHdr with CREATEDATE, OAISPACKAGETYPE and a software agent with its version
    header = root.find(f"{M}metsHdr")
    assert header.get("CREATEDATE") and header.get(f"{{{CSIP_NS}}}OAISPACKAGETYPE") == "SIP"
    agent = header.find(f"{M}agent")
    assert (agent.get("ROLE"), agent.get("TYPE"), agent.get("OTHERTYPE")) == ("CREATOR", "OTHER", "SOFTWARE")
    assert agent.find(f"{M}name").text == "kfflow"
    assert agent.find(f"{M}note").get(f"{{{CSIP_NS}}}NOTETYPE") == "SOFTWARE VERSION"
    # the children of mets in the order METS 1.12 requires
    assert [c.tag for c in root] == [f"{M}{t}" for t in ("metsHdr", "dmdSec", "amdSec", "fileSec", "structMap")]
    # CSIP17-CSIP57: dmdSec/amdSec mdRefs and fileSec files carry location, type, size, date, checksum
    md_refs = list(root.iter(f"{M}mdRef"))
    assert {m.get(HREF) for m in md_refs} == {"metadata/descriptive/case.xml", "metadata/preservation/premis.xml"}
    assert {m.get("MDTYPE") for m in md_refs} == {"OTHER", "PREMIS"}
    files = list(root.iter(f"{M}file"))
    assert len(files) == 1
    for element in md_refs + files:
        assert element.get("CHECKSUMTYPE") == "SHA-256" and len(element.get("CHECKSUM")) == 64
        assert element.get("SIZE").isdigit() and element.get("CREATED") and element.get("MIMETYPE")
    for md_ref in md_refs:
        assert md_ref.get("LOCTYPE") == "URL" and md_ref.get(f"{{{XLINK_NS}}}type") == "simple"
        assert (md_ref.get("CHECKSUM"), int(md_ref.get("SIZE"))) == file_digest(package / md_ref.get(HREF))
    data = files[0]
    assert data.get("MIMETYPE") == "application/pdf" and data.get("CHECKSUM") == record.sha256
    assert root.find(f"{M}fileSec/{M}fileGrp").get("USE") == "Representations/rep1/Data"
    assert data.find(f"{M}FLocat").get(HREF) == "representations/rep1/data/RS-351-2022-1-yttrande-v1.pdf"
    # CSIP80-CSIP101: one PHYSICAL structMap labelled CSIP; a Metadata div and a div per representation
    struct = root.find(f"{M}structMap")
    assert (struct.get("TYPE"), struct.get("LABEL")) == ("PHYSICAL", "CSIP")
    divs = struct.findall(f"{M}div/{M}div")
    assert [d.get("LABEL") for d in divs] == ["Metadata", "Representations/rep1"]
    assert divs[0].get("DMDID") == "dmd-case" and divs[0].get("ADMID") == "digiprov-premis"
    assert divs[1].find(f"{M}fptr").get("FILEID") == data.get("ID")
    ids = [e.get("ID") for e in root.iter() if e.get("ID")]
    assert len(ids) == len(set(ids)), "IDs are unique (xsd:ID)"

    # PREMIS 3.0: version attribute; object, event and agent children in schema order, each with its
    # required identifier and (for events) eventType and eventDateTime
    premis = ET.parse(package / "metadata/preservation/premis.xml").getroot()
    assert premis.tag == f"{P}premis" and premis.get("version") == "3.0"
    order = [c.tag for c in premis]
    assert order == sorted(order, key=[f"{P}object", f"{P}event", f"{P}agent"].index)
    obj = premis.find(f"{P}object")
    assert obj.get("{http://www.w3.org/2001/XMLSchema-instance}type") == "premis:file"
    assert obj.find(f"{P}objectCharacteristics/{P}fixity/{P}messageDigest").text == record.sha256
    for event in premis.findall(f"{P}event"):
        assert [c.tag for c in event][:3] == [f"{P}eventIdentifier", f"{P}eventType", f"{P}eventDateTime"]
        assert event.find(f"{P}linkingAgentIdentifier/{P}linkingAgentIdentifierValue").text
    agent_ids = {a.find(f"{P}agentIdentifier/{P}agentIdentifierValue").text for a in premis.findall(f"{P}agent")}
    linked = {e.find(f"{P}linkingAgentIdentifier/{P}linkingAgentIdentifierValue").text
              for e in premis.findall(f"{P}event")}
    assert linked == agent_ids, "every event's agent is described, and no other"


def test_nothing_closed_writes_nothing(session, users, invoke, tmp_path):
    measure_in_state(session, users, "implemented")
    result = invoke("archive", "export", "--to", str(tmp_path / "x"))
    assert result.exit_code == 0 and "0 paket skrivna" in result.output
    assert invoke("archive", "verify", str(tmp_path / "x")).exit_code == 0
