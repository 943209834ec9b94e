"""`kfflow person anonymise` and the PDF `person export`: a departed person's identity becomes a stable
pseudonym wherever kfflow shows it, while the history, its hash chain and registered documents stay unaltered."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from kfflow.errors import GuardFailed, NotFound, PermissionDenied
from kfflow.models import AccountEvent, Audit, DocumentRecord, HistoryEntry, User
from kfflow.services.anonymise import anonymise_person, pseudonym
from kfflow.services.documents import register_yttrande
from kfflow.services.measures import add_progress_report
from kfflow.services.tokens import grant_token, user_for_api_token

from tests.audit_factories import SIGNATORIES, answered_audit, decide
from tests.factories import measure_in_state
from tests.pdf_checks import embedded_json, pdfa_part, text


def _history(session):
    return [(e.id, e.entry_hash, e.actor_id) for e in session.scalars(select(HistoryEntry).order_by(HistoryEntry.id))]


def test_the_person_becomes_a_pseudonym_everywhere_and_the_record_stays_whole(session, users, make_user, invoke):
    owner = users["owner"]
    measure = measure_in_state(session, users, "decided", owner=owner)
    add_progress_report(session, owner, measure.id, done="Kursen hölls", ongoing=None, planned=None)
    # The owner also signed the yttrande that was registered before they left.
    audit, _ = answered_audit(session, users, signatories=[{"name": "Test owner", "title": "Förvaltningschef"},
                                                           *SIGNATORIES])
    decide(session, users, audit)
    record = register_yttrande(session, users["registrar"], audit.id)
    registered = (record.id, record.sha256, record.size)
    token = grant_token(session, owner).token
    history_before = _history(session)

    result = invoke("person", "anonymise", "owner", "--as", "admin")
    assert result.exit_code == 0, result.output
    username, name = pseudonym(owner.id)
    assert f"Anonymiserad person {owner.id}" in result.output and "1 underskrifter ersatta" in result.output

    session.rollback()  # a fresh transaction sees what the command committed
    gone = session.get(User, owner.id)
    assert (gone.username, gone.display_name, gone.email, gone.password_hash, gone.external_subject, gone.active) == \
        (username, name, None, None, None, False)
    assert user_for_api_token(session, token) is None                  # their keys end with them
    assert _history(session) == history_before                          # history untouched, ids and hashes alike
    assert invoke("history", "verify").exit_code == 0                   # and its chain still verifies
    signed = session.get(Audit, audit.id).signatories
    assert [s["name"] for s in signed] == [name] + [s["name"] for s in SIGNATORIES]
    kept = session.get(DocumentRecord, record.id)                       # the registered yttrande is kept as made
    assert (kept.id, kept.sha256, kept.size) == registered
    event = session.scalars(select(AccountEvent).where(AccountEvent.user_id == owner.id,
                                                       AccountEvent.kind == "anonymised")).one()
    assert event.actor_id == users["admin"].id
    # What kfflow can give out about the account now names nobody.
    export = invoke("person", "export", username).output
    assert "Test owner" not in export and "owner@example.org" not in export
    assert json.loads(export)["records"]["progress_report"]["rows"][0]["done"] == "Kursen hölls"
    # The same pseudonym on a second run's output: it is derived from the account, not drawn at random.
    assert pseudonym(owner.id) == (username, name)


def test_anonymising_is_refused_for_an_unknown_user_oneself_a_non_admin_and_the_last_admin(session, users, make_user,
                                                                                          invoke):
    result = invoke("person", "anonymise", "ingen", "--as", "admin")
    assert result.exit_code == 1 and "Användaren ingen finns inte." in result.output
    with pytest.raises(GuardFailed, match="dig själv"):
        anonymise_person(session, users["admin"], "admin")
    with pytest.raises(PermissionDenied):
        anonymise_person(session, users["steering"], "owner")
    # An integration with the admin role is not a person who can manage users on the pages: the only
    # admin who is one must stay.
    robot = make_user("integration", "admin", service_account=True)
    with pytest.raises(GuardFailed, match="minst en aktiv administratör"):
        anonymise_person(session, robot, "admin")
    session.rollback()  # a fresh transaction sees what the command committed
    assert session.get(User, users["admin"].id).username == "admin"   # nothing was written
    with pytest.raises(NotFound):
        anonymise_person(session, users["admin"], "")


def test_the_person_export_as_pdf_is_a_readable_tagged_pdf_with_the_json_inside(session, users, invoke, tmp_path):
    measure = measure_in_state(session, users, "decided")
    add_progress_report(session, users["owner"], measure.id, done="Upphandlingen klar", ongoing=None, planned=None)
    target = tmp_path / "utdrag.pdf"
    result = invoke("person", "export", "owner", "--pdf", "-o", str(target))
    assert result.exit_code == 0, result.output
    content = target.read_bytes()
    assert pdfa_part(content) == ("3", "A")
    words = " ".join(text(content).split())
    assert "Registerutdrag för Test owner (owner)" in words
    assert "Lägesrapporter (1)" in words and "Upphandlingen klar" in words
    assert "(finns, lämnas inte ut)" in words                          # the password hash is only named
    assert embedded_json(content)["person"]["username"] == "owner"
