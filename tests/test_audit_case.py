"""The audit response as a case: its lifecycle, its guards and its place among the case kinds."""
import pytest

from kfflow.errors import GuardFailed, PermissionDenied, ValidationError
from kfflow.models import Audit, Recommendation
from kfflow.services.audits import update_audit, update_recommendation
from kfflow.services.cases import available_transitions, fire, history_of
from kfflow.services.handover import hand_over

from tests.audit_factories import answered_audit, decide, registered_audit
from tests.conftest import NOW


def test_registering_starts_the_audit_lifecycle(session, users):
    audit = registered_audit(session, users)
    assert (audit.state, audit.workflow_name, audit.workflow_version) == ("registered", "audit", 1)
    assert audit.template == "board"
    entry = history_of(session, audit)[0]
    assert (entry.trigger, entry.to_state, entry.fields["diarienummer"]) == ("register", "registered", "RS/351/2022")


def test_template_must_be_board_or_committee(session, users):
    with pytest.raises(ValidationError) as err:
        registered_audit(session, users, template="memo")
    assert set(err.value.fields) == {"template"}


def test_template_and_summary_can_be_changed(session, users):
    audit = registered_audit(session, users)
    update_audit(session, users["registrar"], audit.id, {"template": "Nämnd", "summary": "Kort sammanfattning."},
                 audit.version)
    audit = session.get(Audit, audit.id)
    assert (audit.template, audit.summary) == ("committee", "Kort sammanfattning.")
    with pytest.raises(PermissionDenied):
        update_audit(session, users["steering"], audit.id, {"template": "board"}, audit.version)


def test_decide_records_body_meeting_and_paragraph(session, users):
    audit, _ = answered_audit(session, users)
    with pytest.raises(ValidationError) as err:
        fire(session, users["registrar"], audit, "decide", {"body": "Regionstyrelsen"}, now=NOW)
    assert set(err.value.fields) == {"meeting_date", "paragraph"}
    with pytest.raises(PermissionDenied):
        fire(session, users["council"], audit, "decide",
             {"body": "Regionstyrelsen", "meeting_date": "2023-03-28", "paragraph": "§ 81"}, now=NOW)
    decide(session, users, audit)
    audit = session.get(Audit, audit.id)
    assert (audit.state, audit.body, audit.meeting_date.isoformat(), audit.paragraph) == (
        "decided", "Regionstyrelsen", "2023-03-28", "§ 81")
    assert history_of(session, audit)[-1].fields == {
        "body": "Regionstyrelsen", "meeting_date": "2023-03-28", "paragraph": "§ 81"}


def test_steering_may_decide_too(session, users):
    audit, _ = answered_audit(session, users)
    fire(session, users["steering"], audit, "decide",
         {"body": "Regionstyrelsen", "meeting_date": "2023-03-28", "paragraph": "§ 81"}, now=NOW)
    assert session.get(Audit, audit.id).state == "decided"


def test_decide_needs_every_answer(session, users):
    audit, _ = answered_audit(session, users)
    rec = audit.recommendations[2]
    update_recommendation(session, users["registrar"], rec.id, {"answer": ""}, None, now=NOW)
    assert "decide" not in [t.trigger for t in available_transitions(users["registrar"], audit, now=NOW)]
    with pytest.raises(GuardFailed, match="Rekommendation 3 saknar svar"):
        decide(session, users, audit)
    assert session.get(Audit, audit.id).state == "drafting"


def test_decide_needs_a_measure_or_a_reason_for_none(session, users):
    audit, _ = answered_audit(session, users)
    rec4 = audit.recommendations[3]
    update_recommendation(session, users["registrar"], rec4.id, {"no_measure_reason": ""}, None, now=NOW)
    assert session.get(Recommendation, rec4.id).no_measure_reason is None
    with pytest.raises(GuardFailed, match="Rekommendation 4 har varken"):
        decide(session, users, audit)
    update_recommendation(session, users["registrar"], rec4.id, {"no_measure_reason": "Ingen åtgärd behövs."},
                          None, now=NOW)
    decide(session, users, audit)
    assert session.get(Audit, audit.id).state == "decided"


def test_decide_needs_recommendations(session, users):
    audit = registered_audit(session, users)
    fire(session, users["registrar"], audit, "start_drafting", {}, now=NOW)
    with pytest.raises(GuardFailed, match="inga registrerade rekommendationer"):
        decide(session, users, audit)


def test_send_needs_a_registered_yttrande(session, users):
    audit, _ = answered_audit(session, users)
    decide(session, users, audit)
    with pytest.raises(GuardFailed, match="inget registrerat yttrande"):
        fire(session, users["registrar"], audit, "send", {"sent_on": "2023-04-03"}, now=NOW)
    with pytest.raises(PermissionDenied):
        fire(session, users["steering"], audit, "send", {"sent_on": "2023-04-03"}, now=NOW)


def test_handover_skips_audits(session, users):
    audit = registered_audit(session, users)
    fire(session, users["registrar"], audit, "start_drafting", {"owner": "owner"}, now=NOW)
    result = hand_over(session, users["steering"], from_owner="owner", to_owner="other_owner",
                       reason="HR tar över", now=NOW)
    assert ("audit", audit.id) in [(k, i) for k, i, _, _ in result.skipped]
    assert session.get(Audit, audit.id).owner_id == users["owner"].id
