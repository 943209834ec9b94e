"""Audits and recommendations over the JSON API: the registrar registers, the owner answers, the board decides,
the registrar registers the yttrande and sends it, and the audit is followed up — all over HTTP."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from kfflow.errors import ValidationError
from kfflow.models import HistoryEntry, Recommendation
from kfflow.services.audits import update_recommendation

from tests.conftest import TEST_PASSWORD
from tests.factories import measure_in_state
from tests.jobs_support import api_job_done

AUDIT = {"name": "Fördjupad granskning", "number": "7/2022", "subject": "Strategisk kompetensförsörjning",
         "diarienummer": "RS/351/2022", "received": "2022-11-15", "response_due": "2023-03-31"}


def test_a_recommendation_is_registered_answered_and_its_answer_adopted_over_the_api(api, session, users):
    assert api.call("POST", "/audits", AUDIT, as_user="contributor")[0] == 403
    st, audit = api.call("POST", "/audits", AUDIT, as_user="registrar")
    assert st == 201 and audit["diarienummer"] == "RS/351/2022" and audit["recommendations"] == []
    st, audit = api.call("PATCH", f"/audits/{audit['id']}",
                         {"version": audit["version"], "responding_body": "Hälso- och sjukvårdsnämnden",
                          "signatories": [{"name": "Anna Andersson (S)", "title": "Ordförande"}]},
                         as_user="registrar")
    assert st == 200 and audit["signatories"] == [{"name": "Anna Andersson (S)", "title": "Ordförande"}]
    assert audit["responding_body"] == "Hälso- och sjukvårdsnämnden"

    st, rec = api.call("POST", f"/audits/{audit['id']}/recommendations",
                       {"number": 1, "text": "Säkerställ en strategisk kompetensförsörjningsplan."}, as_user="registrar")
    assert st == 201 and rec["state"] == "proposed" and [t["trigger"] for t in rec["transitions"]] == [
        "assign", "withdraw"]
    st, err = api.call("POST", f"/audits/{audit['id']}/recommendations", {"number": 1, "text": "Igen"},
                       as_user="registrar")
    assert st == 422 and "number" in err["error"]["fields"]

    st, rec = api.call("POST", f"/recommendations/{rec['id']}/transitions",
                       {"trigger": "assign", "version": rec["version"], "owner": "owner"}, as_user="registrar")
    assert st == 200 and rec["owner"]["username"] == "owner"
    measure = measure_in_state(session, users, "decided")
    assert api.call("PATCH", f"/recommendations/{rec['id']}", {"version": rec["version"], "answer": "Nej"},
                    as_user="other_owner")[0] == 403
    st, rec = api.call("PATCH", f"/recommendations/{rec['id']}",
                       {"version": rec["version"], "answer": "Regionstyrelsen instämmer.", "measure_ids": [measure.id]},
                       as_user="owner")
    assert st == 200 and rec["answer"] == "Regionstyrelsen instämmer."
    assert rec["measures"] == [{"id": measure.id, "title": measure.title, "state": "decided",
                              "secrecy": None}]

    st, rec = api.call("POST", f"/recommendations/{rec['id']}/transitions",
                       {"trigger": "decide", "version": rec["version"], "decision_ref": "RS 2023-03-28 § 81"},
                       as_user="registrar")
    assert st == 200 and rec["state"] == "decided"
    st, err = api.call("PATCH", f"/recommendations/{rec['id']}", {"version": rec["version"], "answer": "Ändrat"},
                       as_user="owner")
    assert st == 422 and err["error"]["code"] == "guard_failed"  # the adopted answer is frozen

    st, page = api.call("GET", "/audits", as_user="contributor")
    assert st == 200 and page["total"] == 1 and page["items"][0]["number"] == "7/2022"
    st, audit = api.call("GET", f"/audits/{audit['id']}", as_user="contributor")
    assert [(r["number"], r["state"]) for r in audit["recommendations"]] == [(1, "decided")]
    st, history = api.call("GET", f"/recommendations/{rec['id']}/history", as_user="contributor")
    assert [h["trigger"] for h in history["items"]] == ["register", "assign", "edit_answer", "decide"]


def test_an_audit_lives_its_whole_life_over_the_api_alone(api, users):
    """Create, recommendations, start, answers, decision, register the yttrande, send, follow up: HTTP only."""
    tokens = {who: api.login(who, TEST_PASSWORD) for who in ("registrar", "owner", "contributor")}

    def call(method, path, body=None, *, who):
        return api.call(method, path, body, token=tokens[who])

    def fire(audit, trigger, who, **fields):
        return call("POST", f"/audits/{audit['id']}/transitions",
                    {"trigger": trigger, "version": audit["version"], **fields}, who=who)

    st, audit = call("POST", "/audits", {**AUDIT, "template": "committee"}, who="registrar")
    assert st == 201 and audit["state"] == "registered" and audit["template"] == "committee"
    assert [t["trigger"] for t in audit["transitions"]] == ["start_drafting"]
    st, audit = call("PATCH", f"/audits/{audit['id']}",
                     {"version": audit["version"], "summary": "Arbetet följs upp av styrgruppen.",
                      "signatories": [{"name": "Anna Andersson (S)", "title": "Ordförande"}]}, who="registrar")
    assert st == 200 and audit["summary"] == "Arbetet följs upp av styrgruppen."

    recs = []
    for number, text in [(1, "Säkerställ en plan med mål och mätetal."), (2, "Överväg regionala arbetshubbar.")]:
        st, rec = call("POST", f"/audits/{audit['id']}/recommendations", {"number": number, "text": text},
                       who="registrar")
        assert st == 201
        st, rec = call("POST", f"/recommendations/{rec['id']}/transitions",
                       {"trigger": "assign", "version": rec["version"], "owner": "owner"}, who="registrar")
        recs.append(rec)
    st, measure = call("POST", "/measures", {"title": "Mål och mätetal för handlingsplanen"}, who="contributor")
    assert st == 201

    st, audit = call("GET", f"/audits/{audit['id']}", who="registrar")
    st, audit = fire(audit, "start_drafting", "registrar", owner="owner")
    assert st == 200 and audit["state"] == "drafting" and audit["owner"]["username"] == "owner"
    decision = {"body": "Hälso- och sjukvårdsnämnden", "meeting_date": "2023-03-28", "paragraph": "§ 81"}
    st, err = fire(audit, "decide", "registrar", **decision)
    assert st == 422 and err["error"]["code"] == "guard_failed" and "saknar svar" in err["error"]["message"]

    st, _ = call("PATCH", f"/recommendations/{recs[0]['id']}",
                 {"version": recs[0]["version"], "answer": "Nämnden instämmer.", "measure_ids": [measure["id"]]},
                 who="owner")
    assert st == 200
    st, rec = call("PATCH", f"/recommendations/{recs[1]['id']}",
                   {"version": recs[1]["version"], "answer": "Frågan är utredd.",
                    "no_measure_reason": "Behovet bedöms som litet."}, who="owner")
    assert st == 200 and rec["no_measure_reason"] == "Behovet bedöms som litet." and rec["measures"] == []

    st, audit = call("GET", f"/audits/{audit['id']}", who="registrar")
    st, audit = fire(audit, "decide", "registrar", **decision)
    assert st == 200 and audit["state"] == "decided" and audit["paragraph"] == "§ 81"
    st, err = fire(audit, "send", "registrar", sent_on="2023-03-30")
    assert st == 422 and "registrerat yttrande" in err["error"]["message"]  # not before it is registered

    st, job = call("POST", f"/audits/{audit['id']}/yttrande", who="registrar")  # registering is a job
    assert st == 202 and job["kind"] == "yttrande" and job["state"] in ("queued", "running", "done")
    job = api_job_done(api, job, "registrar")
    record = job["outcome"]
    assert job["state"] == "done" and record["version"] == 1 and record["diarienummer"] == "RS/351/2022"
    assert job["result_url"] == f"/api/v1/audits/{audit['id']}/yttrande.pdf"
    st, listed = call("GET", f"/audits/{audit['id']}/documents", who="contributor")
    assert st == 200 and [d["sha256"] for d in listed] == [record["sha256"]]
    pdf = api.client.get(f"/api/v1/audits/{audit['id']}/yttrande.pdf",
                         headers={"Authorization": f"Bearer {tokens['contributor']}"})
    assert pdf.status_code == 200 and pdf.headers["X-Document-SHA256"] == record["sha256"]

    st, audit = call("GET", f"/audits/{audit['id']}", who="registrar")
    st, audit = fire(audit, "send", "registrar", sent_on="2023-03-30")
    assert st == 200 and audit["state"] == "sent" and audit["sent_on"] == "2023-03-30"
    st, audit = fire(audit, "follow_up", "registrar", follow_up_note="Åtgärderna är genomförda.")
    assert st == 200 and audit["state"] == "followed_up" and audit["transitions"] == []

    st, history = call("GET", f"/audits/{audit['id']}/history", who="contributor")
    assert [(h["trigger"], h["to"]) for h in history["items"]] == [
        ("register", "registered"), ("edit", "registered"), ("start_drafting", "drafting"), ("decide", "decided"),
        ("register_document", "decided"), ("send", "sent"), ("follow_up", "followed_up")]
    assert history["items"][1]["fields"]["summary"] == {"from": None, "to": "Arbetet följs upp av styrgruppen."}


def test_an_audit_edit_takes_the_version_the_caller_saw_and_records_what_changed(api, users):
    st, audit = api.call("POST", "/audits", AUDIT, as_user="registrar")
    seen = audit["version"]
    st, audit = api.call("PATCH", f"/audits/{audit['id']}", {"version": seen, "template": "committee"},
                         as_user="registrar")
    assert st == 200 and audit["template"] == "committee" and audit["version"] == seen + 1
    st, err = api.call("PATCH", f"/audits/{audit['id']}", {"version": seen, "subject": "Annat"}, as_user="registrar")
    assert st == 409 and err["error"]["code"] == "stale"
    st, err = api.call("PATCH", f"/audits/{audit['id']}", {"subject": "Annat"}, as_user="registrar")
    assert st == 422 and "version" in err["error"]["fields"]
    st, history = api.call("GET", f"/audits/{audit['id']}/history", as_user="registrar")
    assert [(h["trigger"], h["fields"]) for h in history["items"][1:]] == [
        ("edit", {"template": {"from": "board", "to": "committee"}})]


def test_the_owner_of_a_recommendation_cannot_hand_it_to_someone_else(api, session, users):
    """Issue 10 item 6: changing who owns a recommendation is the `reassign` transition with its reason."""
    st, audit = api.call("POST", "/audits", AUDIT, as_user="registrar")
    st, rec = api.call("POST", f"/audits/{audit['id']}/recommendations", {"number": 1, "text": "Gör så."},
                       as_user="registrar")
    st, rec = api.call("POST", f"/recommendations/{rec['id']}/transitions",
                       {"trigger": "assign", "version": rec["version"], "owner": "owner"}, as_user="registrar")
    for who in ("owner", "registrar"):
        st, err = api.call("PATCH", f"/recommendations/{rec['id']}",
                           {"version": rec["version"], "owner": "other_owner", "answer": "Svar"}, as_user=who)
        assert st == 422 and "reassign" in err["error"]["fields"]["owner"]
    with pytest.raises(ValidationError) as refused:  # the service refuses it too, for any front end
        update_recommendation(session, users["owner"], rec["id"], {"owner": "other_owner"}, None)
    assert "reassign" in refused.value.fields["owner"]
    session.expire_all()
    assert session.get(Recommendation, rec["id"]).owner_id == users["owner"].id
    assert session.scalars(select(HistoryEntry.trigger).where(HistoryEntry.case_kind == "recommendation")).all() \
        == ["register", "assign"]

    st, err = api.call("POST", f"/recommendations/{rec['id']}/transitions",
                       {"trigger": "reassign", "version": rec["version"], "owner": "other_owner",
                        "reason": "Jag vill"}, as_user="owner")
    assert st == 403
    st, rec = api.call("POST", f"/recommendations/{rec['id']}/transitions",
                       {"trigger": "reassign", "version": rec["version"], "owner": "other_owner",
                        "reason": "Ny förvaltning"}, as_user="registrar")
    assert st == 200 and rec["owner"]["username"] == "other_owner"
    st, history = api.call("GET", f"/recommendations/{rec['id']}/history", as_user="registrar")
    assert history["items"][-1]["trigger"] == "reassign"
    assert history["items"][-1]["fields"]["reason"] == "Ny förvaltning"


def test_audit_input_is_checked_against_what_the_database_can_hold(api, users):
    st, err = api.call("POST", "/audits", {**AUDIT, "number": "x" * 41, "signatories": [{"title": "Ordförande"}]},
                       as_user="registrar")
    assert st == 422 and set(err["error"]["fields"]) == {"number", "signatories"}
    st, err = api.call("POST", "/audits", {**AUDIT, "received": "igår"}, as_user="registrar")
    assert st == 422 and "ÅÅÅÅ-MM-DD" in err["error"]["fields"]["received"]
    assert api.call("GET", "/audits/999", as_user="registrar")[0] == 404
    assert api.call("GET", "/recommendations/999", as_user="registrar")[0] == 404
