"""The services' contract: check in order, write everything or nothing."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from kfflow.errors import GuardFailed, PermissionDenied, StaleCase, ValidationError
from kfflow.models import HistoryEntry, Measure, ProgressReport, Recommendation
from kfflow.services.audits import add_recommendation, register_audit, update_recommendation
from kfflow.services.cases import available_transitions, fire, history_of
from kfflow.services.measures import add_progress_report, propose_measure, update_measure
from kfflow.services.users import authenticate, set_active

from tests.conftest import NOW, TEST_PASSWORD, future
from tests.factories import measure_in_state


def _count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def test_validation_errors_name_each_field_in_swedish_and_write_nothing(session, users):
    m = measure_in_state(session, users, "prioritised")
    before = _count(session, HistoryEntry)
    with pytest.raises(ValidationError) as err:
        fire(session, users["steering"], m, "decide", {"owner": "nobody", "due_date": "2023-13-45"}, m.version, now=NOW)
    assert err.value.fields == {
        "owner": "Ansvarig: Det finns ingen användare ”nobody”.",
        "due_date": "Slutdatum: Ange ett giltigt datum som ÅÅÅÅ-MM-DD, inte ”2023-13-45”.",
        "decision_ref": "Beslutsreferens (t.ex. RS 2023-03-28 § 81): fältet måste fyllas i.",
    }
    session.refresh(m)
    assert (m.state, m.owner_id, m.due_date) == ("prioritised", None, None)
    assert _count(session, HistoryEntry) == before


def test_order_of_checks_role_before_fields_before_version(session, users):
    m = measure_in_state(session, users, "prioritised")
    with pytest.raises(PermissionDenied):  # council: no mandate, whatever else is wrong
        fire(session, users["council"], m, "decide", {}, m.version - 1, now=NOW)
    with pytest.raises(ValidationError):
        fire(session, users["steering"], m, "decide", {}, m.version - 1, now=NOW)
    with pytest.raises(StaleCase):
        fire(session, users["steering"], m, "decide",
             {"owner": "owner", "due_date": future().isoformat(), "decision_ref": "§ 1"}, m.version - 1, now=NOW)


def test_guard_reason_reaches_the_caller(session, users):
    m = measure_in_state(session, users, "prioritised")
    with pytest.raises(GuardFailed, match="har redan passerat"):
        fire(session, users["steering"], m, "decide", {"owner": "owner", "decision_ref": "§ 1",
             "due_date": (NOW.date() - timedelta(days=1)).isoformat()}, m.version, now=NOW)
    assert session.get(Measure, m.id).state == "prioritised"


def test_wrong_state_is_a_guard_failure(session, users):
    m = measure_in_state(session, users, "proposed")
    with pytest.raises(GuardFailed, match="kan inte göras när ärendet är föreslagen"):
        fire(session, users["steering"], m, "evaluate", {"evaluation": "x", "effect": "achieved"}, m.version, now=NOW)


def test_unknown_trigger_is_a_validation_error(session, users):
    m = measure_in_state(session, users, "proposed")
    with pytest.raises(ValidationError) as err:
        fire(session, users["steering"], m, "launch_rocket", {}, m.version, now=NOW)
    assert "trigger" in err.value.fields


def test_deactivated_actor_can_do_nothing(session, users):
    m = measure_in_state(session, users, "decided")
    set_active(session, users["admin"], users["owner"].id, False)
    with pytest.raises(PermissionDenied):
        fire(session, users["owner"], m, "implement", {"implementation_note": "x"}, None, now=NOW)
    assert available_transitions(session.get(type(users["owner"]), users["owner"].id), m) == []
    assert authenticate(session, "owner", TEST_PASSWORD) is None
    with pytest.raises(PermissionDenied):
        set_active(session, users["steering"], users["owner"].id, True)


def test_authenticate(session, users):
    assert authenticate(session, "Steering ", TEST_PASSWORD).username == "steering"
    assert authenticate(session, "steering", "wrong-password") is None
    assert authenticate(session, "nobody", TEST_PASSWORD) is None


def test_available_transitions_offer_exactly_what_may_be_fired(session, users):
    m = measure_in_state(session, users, "decided")
    offered = lambda role: [t.trigger for t in available_transitions(users[role], m, now=NOW)]  # noqa: E731
    assert offered("owner") == ["implement", "revise_due_date"]
    assert offered("other_owner") == []
    assert offered("council") == []
    assert offered("steering") == ["implement", "reassign", "revise_due_date"]
    offered = {t.trigger: t for t in available_transitions(users["steering"],
                                                           measure_in_state(session, users, "prioritised"), now=NOW)}
    assert list(offered) == ["decide", "reject"]
    assert [(f.name, f.type) for f in offered["decide"].fields] == [("owner", "user"), ("due_date", "date"),
                                                            ("decision_ref", "text")]


def test_reopen_clears_the_evaluation_but_history_keeps_it(session, users):
    m = measure_in_state(session, users, "evaluated")
    fire(session, users["steering"], m, "reopen", {"reason": "Effekten räckte inte", "due_date": future(90)}, m.version,
         now=NOW)
    assert (m.state, m.evaluation, m.effect, m.due_date) == ("decided", None, None, future(90))
    assert history_of(session, m)[-2].fields["evaluation"] == "Fungerar."


def test_due_date_revisions_stay_in_history_with_reasons(session, users):
    m = measure_in_state(session, users, "decided")
    for days, reason in ((60, "Upphandlingen drog ut"), (90, "Facklig samverkan")):
        fire(session, users["owner"], m, "revise_due_date", {"due_date": future(days), "reason": reason}, m.version,
             now=NOW)
    revisions = [(h.fields["due_date"], h.fields["reason"]) for h in history_of(session, m)
                 if h.trigger == "revise_due_date"]
    assert revisions == [(future(60).isoformat(), "Upphandlingen drog ut"), (future(90).isoformat(), "Facklig samverkan")]


def test_propose_validates_and_records(session, users):
    with pytest.raises(ValidationError) as err:
        propose_measure(session, users["contributor"], {"title": " ", "category": "Okänd"}, now=NOW)
    assert set(err.value.fields) == {"title", "category"}
    assert _count(session, Measure) == 0
    m = propose_measure(session, users["contributor"], {"title": "Fler e-besök", "category": "Utveckla",
                                                        "working_group": "RAK", "owner_body": None}, now=NOW)
    assert (m.state, m.category, m.working_group, m.proposer_id) == (
        "proposed", "develop", "Rätt använd kompetens", users["contributor"].id)
    assert history_of(session, m)[0].trigger == "propose"


def test_update_measure_checks_editor_and_version(session, users):
    m = measure_in_state(session, users, "decided")
    with pytest.raises(PermissionDenied):
        update_measure(session, users["contributor"], m.id, {"title": "Ny"}, m.version, now=NOW)
    with pytest.raises(StaleCase):
        update_measure(session, users["owner"], m.id, {"title": "Ny"}, m.version - 1, now=NOW)
    update_measure(session, users["owner"], m.id, {"title": "Ny titel", "indicator": "Antal sökande"}, m.version,
                   now=NOW)
    edit = history_of(session, m)[-1]
    assert edit.trigger == "edit" and edit.fields["title"] == {"from": "Förmånsportal, införande", "to": "Ny titel"}


def test_progress_report_by_owner_only_while_running(session, users):
    m = measure_in_state(session, users, "decided")
    with pytest.raises(PermissionDenied):
        add_progress_report(session, users["other_owner"], m.id, done="x", ongoing=None, planned=None, now=NOW)
    with pytest.raises(ValidationError):
        add_progress_report(session, users["owner"], m.id, done=" ", ongoing="", planned=None, now=NOW)
    add_progress_report(session, users["owner"], m.id, done="Upphandlad", ongoing="Införs", planned="Utvärdera",
                        now=NOW)
    assert _count(session, ProgressReport) == 1
    proposed = measure_in_state(session, users, "proposed", title="Annan")
    with pytest.raises(GuardFailed):
        add_progress_report(session, users["steering"], proposed.id, done="x", ongoing=None, planned=None, now=NOW)


def test_recommendation_lifecycle_and_frozen_answer(session, users):
    audit = register_audit(session, users["registrar"], {"name": "Fördjupad granskning", "number": "7/2022",
                                                         "subject": "Strategisk kompetensförsörjning",
                                                         "diarienummer": "RS/1/2022"})
    with pytest.raises(PermissionDenied):
        add_recommendation(session, users["steering"], audit.id, 1, "Text")
    rec = add_recommendation(session, users["registrar"], audit.id, 1, "Säkerställ uppföljning.", now=NOW)
    with pytest.raises(ValidationError):
        add_recommendation(session, users["registrar"], audit.id, 1, "Samma nummer", now=NOW)
    fire(session, users["registrar"], rec, "assign", {"owner": "owner"}, rec.version, now=NOW)
    with pytest.raises(GuardFailed, match="inget svar"):
        fire(session, users["registrar"], rec, "decide", {"decision_ref": "RS § 81"}, rec.version, now=NOW)
    m = measure_in_state(session, users, "decided")
    update_recommendation(session, users["owner"], rec.id, {"answer": "Vi följer upp.", "measure_ids": [m.id]},
                          rec.version, now=NOW)
    assert [x.id for x in session.get(Recommendation, rec.id).measures] == [m.id]
    fire(session, users["registrar"], rec, "decide", {"decision_ref": "RS 2023-03-28 § 81"}, rec.version, now=NOW)
    with pytest.raises(GuardFailed, match="antaget"):
        update_recommendation(session, users["registrar"], rec.id, {"answer": "Ändrat"}, rec.version, now=NOW)
    # The promised measure is not implemented yet: the guard says so, and the button is not offered.
    assert "implement" not in [t.trigger for t in available_transitions(users["steering"], rec, now=NOW)]
    with pytest.raises(GuardFailed, match="inte genomförda"):
        fire(session, users["steering"], rec, "implement", {"implementation_note": "x"}, rec.version, now=NOW)
    fire(session, users["owner"], m, "implement", {"implementation_note": "Klar"}, m.version, now=NOW)
    fire(session, users["owner"], rec, "implement", {"implementation_note": "Klar"}, rec.version, now=NOW)
    assert session.get(Recommendation, rec.id).state == "implemented"
