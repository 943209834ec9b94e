"""Audits and recommendations over the JSON API: the registrar registers, the owner answers, the board decides."""
from __future__ import annotations

from tests.factories import measure_in_state

AUDIT = {"name": "Fördjupad granskning", "number": "7/2022", "subject": "Strategisk kompetensförsörjning",
         "diarienummer": "RS/351/2022", "received": "2022-11-15", "response_due": "2023-03-31"}


def test_an_audit_is_registered_answered_and_decided_over_the_api(api, session, users):
    assert api.call("POST", "/audits", AUDIT, as_user="contributor")[0] == 403
    st, audit = api.call("POST", "/audits", AUDIT, as_user="registrar")
    assert st == 201 and audit["diarienummer"] == "RS/351/2022" and audit["recommendations"] == []
    st, audit = api.call("PATCH", f"/audits/{audit['id']}",
                         {"responding_body": "Hälso- och sjukvårdsnämnden",
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
    assert rec["measures"] == [{"id": measure.id, "title": measure.title, "state": "decided"}]

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


def test_audit_input_is_checked_against_what_the_database_can_hold(api, users):
    st, err = api.call("POST", "/audits", {**AUDIT, "number": "x" * 41, "signatories": [{"title": "Ordförande"}]},
                       as_user="registrar")
    assert st == 422 and set(err["error"]["fields"]) == {"number", "signatories"}
    st, err = api.call("POST", "/audits", {**AUDIT, "received": "igår"}, as_user="registrar")
    assert st == 422 and "ÅÅÅÅ-MM-DD" in err["error"]["fields"]["received"]
    assert api.call("GET", "/audits/999", as_user="registrar")[0] == 404
    assert api.call("GET", "/recommendations/999", as_user="registrar")[0] == 404
