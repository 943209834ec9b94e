"""Reminders before and after a measure's due date: one mail per rule occurrence, real SMTP."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from kfflow.models import Measure, Notification, OutboxMessage
from kfflow.services.cases import fire

from tests.conftest import NOW, future
from tests.factories import measure_in_state
from tests.reminders_support import BASE, at, sweep


def _count(session, model) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(model))


def test_owner_gets_one_swedish_reminder_three_days_before(session, users, database, smtp_server):
    m = measure_in_state(session, users, "decided", title="Förmånsportal <införande> & test")
    due = future()
    sweep(database, at(due, days=-3), smtp_server)
    sweep(database, at(due, 8, 5, days=-3), smtp_server)
    sweep(database, at(due, 9, days=-2), smtp_server)
    mails = smtp_server.to("owner@example.org")
    assert len(mails) == 1
    mail = mails[0]
    assert mail["Subject"] == f"Påminnelse: Förmånsportal <införande> & test ska vara klar {due.isoformat()}"
    plain = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "om 3 dagar" in plain and "du är ansvarig" in plain
    assert f"{BASE}/atgarder/{m.id}" in plain and f"{BASE}/installningar/aviseringar" in plain
    assert "Förmånsportal &lt;införande&gt; &amp; test" in html and "<införande>" not in html
    assert f'href="{BASE}/atgarder/{m.id}"' in html
    assert smtp_server.to("steering@example.org") == []


def test_fourteen_and_three_days_before_are_two_reminders(session, users, database, smtp_server):
    measure_in_state(session, users, "decided")
    due = future()
    for days in (-20, -14, -10, -3, -1):
        sweep(database, at(due, days=days), smtp_server)
    subjects = [m["Subject"] for m in smtp_server.to("owner@example.org")]
    assert len(subjects) == 2 and all(s.startswith("Påminnelse:") for s in subjects)


def test_catch_up_after_a_long_gap_sends_the_latest_occurrence_only(session, users, database, smtp_server):
    measure_in_state(session, users, "decided")
    due = future()
    # Nothing ran before: 20 days late, the owner's overdue rule has occurrences at +1, +8, +15.
    result = sweep(database, at(due, days=20), smtp_server)
    owner = smtp_server.to("owner@example.org")
    assert [m["Subject"].split(":")[0] for m in owner] == ["Försenad"]
    escalations = smtp_server.to("steering@example.org")
    assert len(escalations) == 1 and "20 dagar försenad" in escalations[0]["Subject"]
    assert "rollen Styrgrupp" in escalations[0].get_body(("plain",)).get_content()
    assert len(result.delivery.sent) == 2
    # The next weekly occurrence (+22) is a new reminder; the escalation is not repeated.
    sweep(database, at(due, days=21), smtp_server)
    sweep(database, at(due, days=22), smtp_server)
    assert len(smtp_server.to("owner@example.org")) == 2
    assert len(smtp_server.to("steering@example.org")) == 1


def test_no_reminder_for_a_measure_that_is_implemented(session, users, database, smtp_server):
    measure_in_state(session, users, "implemented")
    sweep(database, at(future(), days=-3), smtp_server)
    sweep(database, at(future(), days=30), smtp_server)
    assert smtp_server.messages == []


def test_a_revised_due_date_yields_new_reminders(session, users, database, smtp_server):
    m = measure_in_state(session, users, "decided")
    due = future()
    sweep(database, at(due, days=-3), smtp_server)
    new_due = due + timedelta(days=20)
    fire(session, users["steering"], ("measure", m.id), "revise_due_date",
         {"due_date": new_due.isoformat(), "reason": "Leverantören är sen."}, now=NOW)
    sweep(database, at(due, days=-2), smtp_server)
    assert len(smtp_server.to("owner@example.org")) == 1
    sweep(database, at(new_due, days=-3), smtp_server)
    mails = smtp_server.to("owner@example.org")
    assert len(mails) == 2 and new_due.isoformat() in mails[1]["Subject"]
    # No overdue mail for the old date: the case's current due date is what counts.
    sweep(database, at(due, days=2), smtp_server)
    assert len(smtp_server.to("owner@example.org")) == 2


def test_dry_run_sends_nothing_and_writes_nothing(session, users, database, smtp_server):
    measure_in_state(session, users, "decided")
    result = sweep(database, at(future(), days=-3), smtp_server, dry_run=True)
    assert result.would_send == 1
    assert result.lines == [f"Skulle skicka till owner@example.org: Påminnelse: Förmånsportal, införande ska vara "
                            f"klar {future().isoformat()}"]
    assert smtp_server.messages == []
    assert _count(session, OutboxMessage) == 0 and _count(session, Notification) == 0
    # After a real sweep, a dry run at the same time has nothing left to send.
    sweep(database, at(future(), days=-3), smtp_server)
    assert sweep(database, at(future(), 9, days=-3), smtp_server, dry_run=True).would_send == 0


def test_every_reminder_is_also_an_in_app_notification(session, users, database, smtp_server):
    m = measure_in_state(session, users, "decided")
    sweep(database, at(future(), days=-3), smtp_server)
    session.rollback()
    notes = session.scalars(select(Notification)).all()
    assert [(n.user_id, n.case_id, n.rule) for n in notes] == [(users["owner"].id, m.id, "measure_due_soon")]
    assert session.get(Measure, m.id).state == "decided"
