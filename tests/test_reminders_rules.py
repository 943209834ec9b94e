"""The rules file: occurrences as data, strict validation, and the recommendation and meeting rules."""
from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date

import pytest
import yaml
from click.testing import CliRunner

from kfflow.cli import main
from kfflow.errors import WorkflowDefinitionError
from kfflow.reminders.rules import load_reminder_rules, parse_reminder_rules
from kfflow.reminders.sweep import meeting_occurrence
from kfflow.services.audits import add_recommendation, register_audit
from kfflow.services.calendar import calendar_for_token, issue_calendar_token
from kfflow.services.cases import fire
from kfflow.workflow import get_workflows

from tests.conftest import NOW, WORKFLOWS_PATH, future
from tests.factories import measure_in_state
from tests.reminders_support import at, rules, sweep


@pytest.mark.parametrize("rule,days_since,expected", [
    ("measure_due_soon", -20, None), ("measure_due_soon", -14, -14), ("measure_due_soon", -4, -14),
    ("measure_due_soon", -3, -3), ("measure_due_soon", 0, -3), ("measure_due_soon", 1, None),
    ("measure_overdue", 0, None), ("measure_overdue", 1, 1), ("measure_overdue", 7, 1), ("measure_overdue", 8, 8),
    ("measure_overdue", 20, 15), ("measure_overdue", 365, 365),
    ("measure_escalation", 13, None), ("measure_escalation", 14, 14), ("measure_escalation", 200, 14),
])
def test_latest_due_occurrence(rule, days_since, expected):
    assert rules().get(rule).latest_offset(days_since) == expected


def test_meeting_occurrence_is_the_latest_meeting_within_its_window():
    r = rules()
    rule = r.get("progress_before_meeting")
    meetings = (date(2027, 1, 20), date(2027, 3, 17))
    assert meeting_occurrence(rule, meetings, date(2027, 1, 12)) is None
    assert meeting_occurrence(rule, meetings, date(2027, 1, 13)) == (-7, date(2027, 1, 20))
    assert meeting_occurrence(rule, meetings, date(2027, 1, 21)) is None
    assert meeting_occurrence(rule, meetings, date(2027, 3, 16)) == (-7, date(2027, 3, 17))


BAD_RULES = [
    ({"days_before": [14, -3]}, "rule measure_due_soon: days_before: -3 is not a whole number ≥ 1"),
    ({"days_before": ["soon"]}, "rule measure_due_soon: days_before: 'soon'"),
    ({"recipients": ["role:chef"]}, "rule measure_due_soon: recipients: 'role:chef'"),
    ({"states": ["beslutad"]}, "rule measure_due_soon: states: 'beslutad' is not a state of the measure lifecycle"),
    ({"anchor": "response_due"}, "rule measure_due_soon: anchor: 'response_due'"),
    ({"subject": "Påminnelse om {titel}"}, "rule measure_due_soon: subject: unknown placeholder(s) titel"),
    ({"repeat_every_days": 7}, "rule measure_due_soon: repeat_every_days: 7 needs days_after"),
    ({"colour": "red"}, "rule measure_due_soon: unknown key 'colour'"),
]


@pytest.mark.parametrize("change,message", BAD_RULES, ids=[m.split(": ")[1] for _, m in BAD_RULES])
def test_a_bad_rule_is_reported_with_file_rule_and_value(tmp_path, change, message):
    folder = tmp_path / "workflows"
    shutil.copytree(WORKFLOWS_PATH, folder)
    data = yaml.safe_load((folder / "reminders.yaml").read_text(encoding="utf-8"))
    data["rules"][0].update(change)
    (folder / "reminders.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(WorkflowDefinitionError) as err:
        load_reminder_rules(folder, get_workflows())
    assert f"reminders.yaml: {message}" in err.value.message
    result = CliRunner().invoke(main, ["workflows", "check", "--path", str(folder)])
    assert result.exit_code == 1 and "påminnelsereglerna" in result.output and message in result.output


def test_the_shipped_rules_pass_workflows_check():
    result = CliRunner().invoke(main, ["workflows", "check"])
    assert result.exit_code == 0 and "reminders.yaml: 6 påminnelseregler — OK" in result.output


def test_top_level_errors_name_the_file():
    with pytest.raises(WorkflowDefinitionError) as err:
        parse_reminder_rules(WORKFLOWS_PATH / "reminders.yaml", {
            "timezone": "Mars/Olympus", "transitions": [], "steering_meetings": ["snart"], "rules": []})
    lines = err.value.message.splitlines()
    assert "reminders.yaml: timezone: 'Mars/Olympus' is not a known time zone" in lines
    assert "reminders.yaml: must not have 'transitions' (that makes it a lifecycle)" in lines
    assert "reminders.yaml: steering_meetings: 'snart' is not a date (YYYY-MM-DD)" in lines


def _recommendation(session, users, response_due: date):
    audit = register_audit(session, users["registrar"], {
        "name": "Fördjupad granskning", "number": "7/2022", "subject": "Strategisk kompetensförsörjning",
        "response_due": response_due.isoformat()})
    rec = add_recommendation(session, users["registrar"], audit.id, 1, "Säkerställ en plan.", now=NOW)
    fire(session, users["registrar"], rec, "assign", {"owner": users["owner"].username}, now=NOW)
    return rec


def test_recommendation_owner_and_registrar_are_reminded_before_the_response_date(session, users, database,
                                                                                  smtp_server):
    due = future(40)
    rec = _recommendation(session, users, due)
    sweep(database, at(due, days=-14), smtp_server)
    sweep(database, at(due, days=-13), smtp_server)
    for who, why in (("owner", "du är ansvarig"), ("registrar", "rollen Registrator")):
        mails = smtp_server.to(f"{who}@example.org")
        assert len(mails) == 1, who
        assert mails[0]["Subject"] == f"Påminnelse: svar på rekommendation 1 i Fördjupad granskning 7/2022 senast {due}"
        plain = mails[0].get_body(("plain",)).get_content()
        assert why in plain and f"/rekommendationer/{rec.id}" in plain
    feed = calendar_for_token(session, issue_calendar_token(session, users["owner"]))
    assert f"recommendation-{rec.id}@kfflow".encode() in feed


def test_owners_of_open_measures_are_asked_for_a_progress_report_before_a_meeting(session, users, database,
                                                                                   smtp_server):
    measure_in_state(session, users, "decided")
    measure_in_state(session, users, "implemented", title="Redan genomförd")
    meeting = future(20)
    r = replace(rules(), steering_meetings=(meeting,))
    sweep(database, at(meeting, days=-8), smtp_server, reminder_rules=r)
    assert smtp_server.messages == []
    sweep(database, at(meeting, days=-7), smtp_server, reminder_rules=r)
    sweep(database, at(meeting, days=-6), smtp_server, reminder_rules=r)
    mails = smtp_server.to("owner@example.org")
    assert [m["Subject"] for m in mails] == [f"Lägesrapport inför styrgruppens möte {meeting}: Förmånsportal, införande"]


def test_escalation_to_a_named_body_reaches_its_active_members_once(session, users, database, smtp_server, make_user):
    from kfflow.services.users import ensure_body, set_active

    ensure_body(session, "Styrgruppen för kompetensförsörjning", "steering", has_mandate=True)
    make_user("anna", "steering", body="Styrgruppen för kompetensförsörjning")
    gone = make_user("bengt", "council", body="Styrgruppen för kompetensförsörjning")
    set_active(session, users["admin"], gone.id, False)
    r = rules()
    escalation = replace(r.get("measure_escalation"),
                         recipients=("body:Styrgruppen för kompetensförsörjning", "role:steering"))
    r = replace(r, rules=tuple(escalation if x.name == "measure_escalation" else x for x in r.rules))
    measure_in_state(session, users, "decided")
    sweep(database, at(future(), days=15), smtp_server, reminder_rules=r)
    sweep(database, at(future(), days=16), smtp_server, reminder_rules=r)
    anna = smtp_server.to("anna@example.org")
    assert len(anna) == 1 and "du tillhör Styrgruppen för kompetensförsörjning" in anna[0].get_body(("plain",)).get_content()
    assert len(smtp_server.to("steering@example.org")) == 1
    assert smtp_server.to("bengt@example.org") == []
