"""Secrecy marking (OSL): who may mark, that the marking is history, and that marked content reaches only the
roles roles.yaml names (`read_secret`) in every output; everyone else reads the notice in its place.

Each output test asserts the secret text is absent and the Swedish notice present for a reader without the
right (the owner, a contributor), and that a reader with it (steering) still sees the text."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from kfflow.errors import PermissionDenied, ValidationError
from kfflow.models import HistoryEntry, SecrecyMarking
from kfflow.services import secrecy
from kfflow.services.measures import add_progress_report

from tests.conftest import NOW
from tests.factories import measure_in_state
from tests.web_support import sign_in

SECRET = "Lönetillägg för Kalle Svensson efter sjukskrivning"
NOTICE = "Uppgift omfattas av sekretess (OSL 39:3)"
REASON = "Uppgifter om en enskild arbetstagares hälsa."


def marked_measure(session, users, *, title=SECRET):
    measure = measure_in_state(session, users, "decided", title=title)
    secrecy.mark(session, users["registrar"], "measure", measure.id, ground="OSL 39:3", reason=REASON, now=NOW)
    return measure


# --- marking ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["contributor", "owner", "council", "steering", "admin"])
def test_only_the_roles_yaml_names_may_mark(session, users, role):
    measure = measure_in_state(session, users, "decided")
    with pytest.raises(PermissionDenied):
        secrecy.mark(session, users[role], "measure", measure.id, ground="OSL 39:3", reason=REASON)
    assert session.scalars(select(SecrecyMarking)).all() == []


def test_marking_changing_and_lifting_are_history_and_the_chain_verifies(session, users, invoke):
    measure = marked_measure(session, users)
    secrecy.mark(session, users["registrar"], "measure", measure.id, ground="OSL 39:1", reason="Personalsocialt.")
    with pytest.raises(PermissionDenied):
        secrecy.unmark(session, users["steering"], "measure", measure.id, reason="Inte längre hemligt.")
    secrecy.unmark(session, users["registrar"], "measure", measure.id, reason="Inte längre hemligt.")
    entries = session.scalars(select(HistoryEntry).where(HistoryEntry.case_kind == "measure",
                                                         HistoryEntry.case_id == measure.id)
                              .order_by(HistoryEntry.seq)).all()
    tail = [(e.trigger, e.fields["ground"], e.fields["reason"]) for e in entries[-3:]]
    assert tail == [("mark_secrecy", "OSL 39:3", REASON), ("change_secrecy", "OSL 39:1", "Personalsocialt."),
                    ("unmark_secrecy", "OSL 39:1", "Inte längre hemligt.")]
    assert session.scalars(select(SecrecyMarking)).all() == []
    result = invoke("history", "verify")
    assert result.exit_code == 0, result.output


def test_bad_input_is_refused_per_field_and_nothing_is_written(session, users):
    measure = measure_in_state(session, users, "decided")
    with pytest.raises(ValidationError) as caught:
        secrecy.mark(session, users["registrar"], "measure", measure.id, ground="OSL 99:9", reason="a\x00b")
    assert set(caught.value.fields) == {"ground", "reason"}
    with pytest.raises(ValidationError):
        secrecy.unmark(session, users["registrar"], "measure", measure.id, reason="Inget att ta bort.")
    assert session.scalars(select(SecrecyMarking)).all() == []


# --- pages ---------------------------------------------------------------------------------------------------

def test_case_page_masks_a_marked_measure_and_its_history(app, session, users):
    measure = marked_measure(session, users)
    owner_page = sign_in(app, session, users["owner"]).get(f"/atgarder/{measure.id}").get_data(as_text=True)
    assert SECRET not in owner_page and NOTICE in owner_page
    assert REASON not in owner_page
    steering_page = sign_in(app, session, users["steering"]).get(f"/atgarder/{measure.id}").get_data(as_text=True)
    assert SECRET in steering_page and REASON in steering_page


def test_a_marked_progress_report_is_masked_on_the_page(app, session, users):
    measure = measure_in_state(session, users, "decided")
    report = add_progress_report(session, users["owner"], measure.id, done=SECRET, ongoing=None, planned=None)
    secrecy.mark(session, users["registrar"], "progress_report", report.id, ground="OSL 39:3", reason=REASON)
    page = sign_in(app, session, users["contributor"]).get(f"/atgarder/{measure.id}").get_data(as_text=True)
    assert SECRET not in page and NOTICE in page  # in the report and in the history's report_progress entry
    page = sign_in(app, session, users["steering"]).get(f"/atgarder/{measure.id}").get_data(as_text=True)
    assert SECRET in page


def test_the_registrar_marks_and_lifts_through_the_page(app, session, users):
    measure = measure_in_state(session, users, "decided", title=SECRET)
    registrar = sign_in(app, session, users["registrar"])
    assert "Sekretessmarkera" in registrar.get(f"/atgarder/{measure.id}").get_data(as_text=True)
    form = registrar.get(f"/sekretess/measure/{measure.id}")
    assert form.status_code == 200
    bad = registrar.post(f"/sekretess/measure/{measure.id}", data={"ground": "nej", "reason": ""})
    assert bad.status_code == 422
    done = registrar.post(f"/sekretess/measure/{measure.id}", data={"ground": "OSL 39:3", "reason": REASON})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/atgarder/{measure.id}")
    owner = sign_in(app, session, users["owner"])
    assert SECRET not in owner.get(f"/atgarder/{measure.id}").get_data(as_text=True)
    assert owner.get(f"/sekretess/measure/{measure.id}").status_code == 403
    lifted = registrar.post(f"/sekretess/measure/{measure.id}/hav", data={"reason": "Prövat: offentlig."})
    assert lifted.status_code == 302
    assert SECRET in owner.get(f"/atgarder/{measure.id}").get_data(as_text=True)


# --- the API ---------------------------------------------------------------------------------------------------

def test_api_marks_only_for_the_registrar_and_masks_the_case(api, session, users):
    measure = measure_in_state(session, users, "decided", title=SECRET)
    body = {"subject": "measure", "subject_id": measure.id, "ground": "OSL 39:3", "reason": REASON}
    assert api.call("POST", "/secrecy", body, as_user="steering")[0] == 403
    status, marked = api.call("POST", "/secrecy", body, as_user="registrar")
    assert status == 200 and marked["secrecy"]["ground"] == "OSL 39:3" and marked["case_id"] == measure.id
    status, seen = api.call("GET", f"/measures/{measure.id}", as_user="owner")
    assert status == 200 and seen["title"] == NOTICE and seen["secrecy"]["masked"] is True
    assert seen["secrecy"]["reason"] is None and SECRET not in str(seen)
    status, history = api.call("GET", f"/measures/{measure.id}/history", as_user="owner")
    assert SECRET not in str(history) and REASON not in str(history)
    status, seen = api.call("GET", f"/measures/{measure.id}", as_user="steering")
    assert seen["title"] == SECRET and seen["secrecy"] == {
        "ground": "OSL 39:3", "label": "OSL 39:3 – Enskilds personliga förhållanden i personalärenden",
        "notice": NOTICE, "reason": REASON, "masked": False}
    status, lifted = api.call("POST", "/secrecy/lift", {"subject": "measure", "subject_id": measure.id,
                                                        "reason": "Prövat."}, as_user="registrar")
    assert status == 200 and lifted["secrecy"] is None
    assert api.call("GET", f"/measures/{measure.id}", as_user="owner")[1]["title"] == SECRET


def test_api_list_masks_the_title_and_a_search_does_not_find_a_marked_measure(api, session, users):
    measure = marked_measure(session, users)
    status, listed = api.call("GET", "/measures?q=Kalle", as_user="owner")
    assert status == 200 and listed["total"] == 0  # the secret text does not match for who may not read it
    status, listed = api.call("GET", "/measures", as_user="owner")
    item = next(i for i in listed["items"] if i["id"] == measure.id)
    assert item["title"] == NOTICE and SECRET not in str(listed)
    status, listed = api.call("GET", "/measures?q=Kalle", as_user="steering")
    assert [i["title"] for i in listed["items"]] == [SECRET]


def test_list_page_masks_the_title_and_its_search(app, session, users):
    measure = marked_measure(session, users)
    owner = sign_in(app, session, users["owner"])
    page = owner.get("/atgarder").get_data(as_text=True)
    assert SECRET not in page and NOTICE in page
    assert f"/atgarder/{measure.id}" not in owner.get("/atgarder?q=Kalle").get_data(as_text=True)
    assert SECRET in sign_in(app, session, users["steering"]).get("/atgarder?q=Kalle").get_data(as_text=True)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_exports_mask_a_marked_measure(app, session, users, fmt):
    import io

    import openpyxl

    marked_measure(session, users)

    def text(client) -> str:
        data = client.get(f"/atgarder/exportera.{fmt}").data
        if fmt == "csv":
            return data.decode("utf-8-sig")
        sheet = openpyxl.load_workbook(io.BytesIO(data)).active
        return " ".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None)
    owner = text(sign_in(app, session, users["owner"]))
    assert SECRET not in owner and NOTICE in owner
    assert SECRET in text(sign_in(app, session, users["steering"]))


def test_editing_a_marked_measure_needs_the_right_to_read_it(app, session, users):
    measure = marked_measure(session, users)
    assert sign_in(app, session, users["owner"]).get(f"/atgarder/{measure.id}/andra").status_code == 403
    assert sign_in(app, session, users["steering"]).get(f"/atgarder/{measure.id}/andra").status_code == 200


# --- mails, notifications, the calendar feed --------------------------------------------------------------------

def _marked_pair(session, users):
    """The same secret on a measure the owner owns and on one steering owns (steering may read secrets)."""
    mine = measure_in_state(session, users, "decided", title=SECRET)
    theirs = measure_in_state(session, users, "decided", title=SECRET + " (styrgruppen)", owner=users["steering"])
    for m in (mine, theirs):
        secrecy.mark(session, users["registrar"], "measure", m.id, ground="OSL 39:3", reason=REASON)
    return mine, theirs


def test_reminder_mails_and_notifications_name_a_marked_case_by_the_notice(session, users, database, smtp_server):
    from kfflow.services.notifications import list_notifications
    from tests.conftest import future
    from tests.reminders_support import at, sweep

    _marked_pair(session, users)
    sweep(database, at(future(), days=-3), smtp_server)
    owner_mails = smtp_server.to("owner@example.org")
    assert owner_mails
    for mail in owner_mails:
        text = mail["Subject"] + mail.get_body(("plain",)).get_content() + mail.get_body(("html",)).get_content()
        assert SECRET not in text and NOTICE in text
    steering_text = "".join(m["Subject"] + m.get_body(("plain",)).get_content()
                            for m in smtp_server.to("steering@example.org"))
    assert SECRET in steering_text
    session.expire_all()
    notes = list_notifications(session, users["owner"])
    assert notes and all(SECRET not in n.message and NOTICE in n.message for n in notes)
    assert any(SECRET in n.message for n in list_notifications(session, users["steering"]))


def test_calendar_feed_names_a_marked_case_by_the_notice(session, users):
    from kfflow.services.calendar import calendar_for_token, issue_calendar_token

    _marked_pair(session, users)
    def feed(user) -> str:  # unfolded: iCalendar folds long lines
        return calendar_for_token(session, issue_calendar_token(session, user)).decode().replace("\r\n ", "")
    owner_feed = feed(users["owner"])
    assert SECRET not in owner_feed and NOTICE in owner_feed
    assert SECRET in feed(users["steering"])


# --- reports, the job cache, the yttrande -----------------------------------------------------------------------

def test_slutredovisning_masks_marked_measures_and_a_cached_report_is_never_served_across_the_right(
        app, client, session, users):
    from tests.api_support import Api
    from tests.jobs_support import run_waiting_jobs
    from tests.pdf_checks import text as pdf_text

    measure = marked_measure(session, users)
    add_progress_report(session, users["owner"], measure.id, done="Samtal med Kalle om arbetstider.", ongoing=None,
                        planned=None)
    api = Api(client, session)
    url = "/api/v1/reports/slutredovisning.pdf"

    def report(username: str):
        headers = {"Authorization": f"Bearer {api.token(username)}"}
        first = client.get(url, headers=headers)
        if first.status_code == 200:
            return first, None
        assert first.status_code == 202, first.get_json()
        run_waiting_jobs(app)
        job = client.get(first.headers["Location"], headers=headers).get_json()
        return client.get(job["result_url"], headers=headers), job["result_url"]

    steering, steering_result = report("steering")
    assert SECRET in pdf_text(steering.data) and "Kalle om arbetstider" in pdf_text(steering.data)
    owner, _ = report("owner")  # the same data, another right: not the steering group's cached report
    owner_text = pdf_text(owner.data)
    assert SECRET not in owner_text and "Kalle" not in owner_text and NOTICE in owner_text
    owner_headers = {"Authorization": f"Bearer {api.token('owner')}"}
    assert client.get(steering_result, headers=owner_headers).status_code == 404
    council, _ = report("council")  # shares the owner's right: served the owner's report at once
    assert council.data == owner.data


def test_delrapport_masks_a_marked_measure(session, users):
    from kfflow.services.documents import render_delrapport
    from tests.pdf_checks import text as pdf_text

    marked_measure(session, users)
    owner = pdf_text(render_delrapport(session, users["owner"], "2026-01-01", "2026-12-31"))
    assert SECRET not in owner and NOTICE in owner
    assert SECRET in pdf_text(render_delrapport(session, users["steering"], "2026-01-01", "2026-12-31"))


def test_yttrande_draft_docx_and_registered_pdf_of_a_marked_audit(app, session, users):
    import io

    import docx

    from kfflow.services.documents import register_yttrande
    from tests.audit_factories import ANSWERS, answered_audit, decide
    from tests.pdf_checks import text as pdf_text

    audit, _measures = answered_audit(session, users)
    decide(session, users, audit)
    register_yttrande(session, users["registrar"], audit.id)
    secrecy.mark(session, users["registrar"], "audit", audit.id, ground="OSL 39:3", reason=REASON)
    answer = ANSWERS[0][:40]
    owner = sign_in(app, session, users["owner"])
    draft = pdf_text(owner.get(f"/granskningar/{audit.id}/utkast.pdf").data)
    assert answer not in draft and NOTICE in draft
    word = docx.Document(io.BytesIO(owner.get(f"/granskningar/{audit.id}/yttrande.docx").data))
    word_text = "\n".join(p.text for p in word.paragraphs)
    assert answer not in word_text and NOTICE in word_text
    assert owner.get(f"/granskningar/{audit.id}/yttrande.pdf").status_code == 403  # the registered document
    steering = sign_in(app, session, users["steering"])
    assert answer in pdf_text(steering.get(f"/granskningar/{audit.id}/yttrande.pdf").data)
    page = owner.get(f"/granskningar/{audit.id}").get_data(as_text=True)
    assert "Fördjupad granskning" not in page and NOTICE in page


# --- the archive package -----------------------------------------------------------------------------------------

def test_archive_package_masks_the_open_part_and_keeps_the_rest_in_a_restricted_representation(
        session, users, invoke, tmp_path):
    measure = measure_in_state(session, users, "decided", title=SECRET)
    add_progress_report(session, users["owner"], measure.id, done="Samtal med Kalle om arbetstider.", ongoing=None,
                        planned=None)
    from kfflow.services.cases import fire
    fire(session, users["owner"], measure, "implement", {"implementation_note": "Införd."})
    fire(session, users["steering"], measure, "evaluate", {"evaluation": "Fungerar.", "effect": "achieved"})
    secrecy.mark(session, users["registrar"], "measure", measure.id, ground="OSL 39:3", reason=REASON)
    out = tmp_path / "leverans"
    result = invoke("archive", "export", "--to", str(out), "--case", f"measure:{measure.id}")
    assert result.exit_code == 0, result.output
    package = out / f"kfflow-measure-{measure.id}"
    open_part = "".join(p.read_text(encoding="utf-8") for p in (
        package / "METS.xml", package / "metadata/descriptive/case.xml", package / "metadata/preservation/premis.xml",
        package / "metadata/preservation/secrecy.xml"))
    assert SECRET not in open_part and "Kalle" not in open_part and REASON not in open_part
    assert NOTICE in open_part
    restricted = (package / "representations/rep2-sekretess/data/case.xml").read_text(encoding="utf-8")
    assert SECRET in restricted and "Kalle om arbetstider" in restricted
    verified = invoke("archive", "verify", str(out))
    assert verified.exit_code == 0, verified.output


def test_start_page_names_a_marked_case_by_the_notice(app, session, users):
    from datetime import timedelta

    from kfflow.clock import local_today
    from kfflow.services.cases import fire

    measure = measure_in_state(session, users, "decided", title=SECRET)
    fire(session, users["steering"], measure, "revise_due_date",
         {"due_date": (local_today() + timedelta(days=5)).isoformat(), "reason": "Snart klar."})
    secrecy.mark(session, users["registrar"], "measure", measure.id, ground="OSL 39:3", reason=REASON)
    page = sign_in(app, session, users["owner"]).get("/").get_data(as_text=True)
    assert SECRET not in page and NOTICE in page


# --- evidence files ----------------------------------------------------------------------------------------------

def test_a_marked_attachment_is_masked_and_cannot_be_downloaded_by_others(app, api, session, users):
    from kfflow.evidence import Upload
    from kfflow.models import Attachment
    from tests.evidence_files import pdf_bytes

    measure = measure_in_state(session, users, "decided")
    add_progress_report(session, users["owner"], measure.id, done="Underlag bifogat.", ongoing=None, planned=None,
                        attachments=[Upload("Kalle Svensson läkarintyg.pdf", pdf_bytes())])
    attachment = session.scalars(select(Attachment)).one()
    status, _ = api.call("POST", "/secrecy", {"subject": "attachment", "subject_id": attachment.id,
                                              "ground": "OSL 39:3", "reason": REASON}, as_user="registrar")
    assert status == 200
    owner = sign_in(app, session, users["owner"])
    assert owner.get(f"/underlag/{attachment.id}").status_code == 403
    assert api.call("GET", f"/attachments/{attachment.id}", as_user="owner")[0] == 403
    page = owner.get(f"/atgarder/{measure.id}").get_data(as_text=True)
    assert "Kalle Svensson" not in page and NOTICE in page
    detail = api.call("GET", f"/measures/{measure.id}", as_user="owner")[1]
    assert "Kalle Svensson" not in str(detail) and detail["attachments"][0]["secrecy"]["masked"] is True
    steering = sign_in(app, session, users["steering"])
    assert steering.get(f"/underlag/{attachment.id}").status_code == 200
    assert "Kalle Svensson" in steering.get(f"/atgarder/{measure.id}").get_data(as_text=True)
