"""Pages: bad input re-renders with messages tied to fields and writes nothing; a stale version
overwrites nothing; error pages are Swedish and never show a traceback; the list filters and counts."""
from __future__ import annotations

import re
from datetime import date

from flask_babel import force_locale

from sqlalchemy import select

from kfflow.models import Measure, Recommendation
from kfflow.services.audits import register_audit
from kfflow.services.cases import history_of
from kfflow.services.measures import update_measure
from tests.factories import measure_in_state
from tests.web_support import sign_in


def _fresh(session, model, id_):
    session.rollback()
    return session.get(model, id_, populate_existing=True)


def test_bad_input_rerenders_with_swedish_messages_beside_fields(make_web_app, session, users):
    app = make_web_app()
    m = measure_in_state(session, users, "prioritised")
    client = sign_in(app, session, users["steering"])
    form = client.get(f"/atgarder/{m.id}/steg/decide").get_data(as_text=True)
    assert 'type="date"' in form and '<select id="f-owner"' in form and 'name="version"' in form
    response = client.post(f"/atgarder/{m.id}/steg/decide", data={
        "owner": "owner", "due_date": "31/12", "decision_ref": "", "version": str(m.version)})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="f-due_date-error"' in html and "Ange ett giltigt datum" in html
    assert re.search(r'id="f-due_date"[^>]*aria-describedby="f-due_date-error"', html)
    assert "Beslutsreferens" in html and 'id="f-decision_ref-error"' in html
    assert 'value="owner" selected' in html, "what the user chose is kept"
    again = _fresh(session, Measure, m.id)
    assert again.state == "prioritised" and again.version == m.version


def test_stale_version_overwrites_nothing_and_offers_reload(make_web_app, session, users):
    app = make_web_app()
    m = measure_in_state(session, users, "decided")
    client = sign_in(app, session, users["owner"])
    seen = m.version  # what the owner's form holds
    assert f'name="version" value="{seen}"' in client.get(f"/atgarder/{m.id}/andra").get_data(as_text=True)
    update_measure(session, users["steering"], m.id, {"title": "Ändrad av styrgruppen"}, expected_version=seen)
    response = client.post(f"/atgarder/{m.id}/andra", data={"title": "Min titel", "version": str(seen)})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Någon annan har ändrat ärendet" in html and f'href="/atgarder/{m.id}"' in html
    assert _fresh(session, Measure, m.id).title == "Ändrad av styrgruppen"
    response = client.post(f"/atgarder/{m.id}/steg/implement",
                           data={"implementation_note": "Klart.", "version": str(seen)})
    assert response.status_code == 409
    assert _fresh(session, Measure, m.id).state == "decided"


def test_transition_through_the_page_writes_history(make_web_app, session, users):
    app = make_web_app()
    m = measure_in_state(session, users, "decided")
    client = sign_in(app, session, users["owner"])
    response = client.post(f"/atgarder/{m.id}/steg/implement", data={"implementation_note": "Införd i alla förvaltningar.",
                                                                   "version": str(m.version)})
    assert response.status_code == 302
    page = client.get(f"/atgarder/{m.id}").get_data(as_text=True)
    assert "Genomförd" in page and "Införd i alla förvaltningar." in page
    assert history_of(session, m)[-1].trigger == "implement"


def test_due_date_revisions_show_with_reasons(make_web_app, session, users):
    app = make_web_app()
    m = measure_in_state(session, users, "decided")
    client = sign_in(app, session, users["owner"])
    new_date = date.today().replace(year=date.today().year + 1).isoformat()
    response = client.post(f"/atgarder/{m.id}/steg/revise_due_date", data={
        "due_date": new_date, "reason": "Upphandlingen drog ut på tiden.", "version": str(m.version)})
    assert response.status_code == 302
    page = client.get(f"/atgarder/{m.id}").get_data(as_text=True)
    revisions = page.split("Ändringar av slutdatum")[1].split("Kommentarer")[0]
    assert new_date in revisions and "Upphandlingen drog ut på tiden." in revisions


def test_progress_report_and_comment(make_web_app, session, users):
    app = make_web_app()
    m = measure_in_state(session, users, "decided")
    owner = sign_in(app, session, users["owner"])
    seen = m.version
    assert owner.post(f"/atgarder/{m.id}/lagesrapport",
                      data={"version": seen, "done": "Upphandlat.", "ongoing": "Utbildning."}).status_code == 302
    stale = owner.post(f"/atgarder/{m.id}/lagesrapport", data={"version": seen, "done": "Igen."})
    assert stale.status_code == 409, "the report moved the measure's version"
    assert "Någon annan har ändrat ärendet" in stale.get_data(as_text=True)
    contributor = sign_in(app, session, users["contributor"])
    assert contributor.post(f"/atgarder/{m.id}/kommentar", data={"body": "Fungerar fint hos oss."}).status_code == 302
    page = contributor.get(f"/atgarder/{m.id}").get_data(as_text=True)
    assert "Upphandlat." in page and "Fungerar fint hos oss." in page
    assert "Rapportera läget" not in page, "a contributor is not offered the progress form"


def test_list_filters_sorts_and_counts(make_web_app, session, users):
    app = make_web_app()
    measure_in_state(session, users, "decided", title="Förmånsportal")
    measure_in_state(session, users, "proposed", title="Fler e-besök")
    client = sign_in(app, session, users["council"])
    html = client.get("/atgarder?q=portal").get_data(as_text=True)
    assert "Förmånsportal" in html and "Fler e-besök" not in html
    html = client.get("/atgarder?lage=proposed").get_data(as_text=True)
    assert "Fler e-besök" in html and "Förmånsportal</a>" not in html
    assert "Beslutad: 1" in html and "Föreslagen: 1" in html, "counts per state ignore the state filter"
    html = client.get("/atgarder?forsenad=1").get_data(as_text=True)
    assert "Förmånsportal" in html, "the factory's due date lies before today"
    assert 'aria-sort="descending"' in client.get("/atgarder?sortera=title&ordning=fallande").get_data(as_text=True)


def test_bulk_handover_for_steering(make_web_app, session, users):
    app = make_web_app()
    a = measure_in_state(session, users, "decided", title="A")
    b = measure_in_state(session, users, "implemented", title="B")
    client = sign_in(app, session, users["steering"])
    response = client.post("/atgarder/overlamning", data={"arende": [str(a.id), str(b.id)], "to_owner": "other_owner",
                                                          "reason": ""})
    assert response.status_code == 422 and "Motivering" in response.get_data(as_text=True)
    response = client.post("/atgarder/overlamning", data={"arende": [str(a.id), str(b.id)], "to_owner": "other_owner",
                                                          "reason": "SLK avslutas; HR tar över."})
    assert response.status_code == 302
    assert {_fresh(session, Measure, i).owner_id for i in (a.id, b.id)} == {users["other_owner"].id}
    assert [h.trigger for h in history_of(session, a)][-1] == "reassign"


def test_swedish_error_pages_and_no_traceback(make_web_app, users, session):
    app = make_web_app(PROPAGATE_EXCEPTIONS=False)

    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internals")

    client = sign_in(app, session, users["owner"])
    response = client.get("/finns-inte")
    assert response.status_code == 404 and "Sidan finns inte" in response.get_data(as_text=True)
    response = client.get("/boom")
    html = response.get_data(as_text=True)
    assert response.status_code == 500 and "Ett fel har uppstått" in html
    assert "secret internals" not in html and "Traceback" not in html
    assert '<html lang="sv">' in html
    response = client.get("/api/v1/finns-inte")
    assert response.status_code == 404 and response.is_json and "error" in response.get_json()


def test_swedish_dates_and_numbers(make_web_app):
    app = make_web_app()
    with app.test_request_context(), force_locale("sv"):
        filters = app.jinja_env.filters
        assert filters["sv_long_date"](date(2026, 3, 2)) == "2 mars 2026"
        assert filters["sv_date"](date(2026, 3, 2)) == "2026-03-02"
        assert filters["sv_number"](12345) == "12\xa0345"


def test_answering_a_recommendation_in_the_pages(make_web_app, session, users):
    app = make_web_app()
    m = measure_in_state(session, users, "decided")
    registrar = sign_in(app, session, users["registrar"])
    response = registrar.post("/granskningar/ny", data={"name": "Fördjupad granskning", "number": "7/2022",
                                                        "subject": "Strategisk kompetensförsörjning",
                                                        "received": "2022-11-03", "response_due": "nästa vecka"})
    assert response.status_code == 422 and "Ange ett giltigt datum" in response.get_data(as_text=True)
    audit = register_audit(session, users["registrar"], {"name": "Fördjupad granskning", "number": "7/2022",
                                                         "subject": "Strategisk kompetensförsörjning"})
    assert registrar.post(f"/granskningar/{audit.id}/rekommendationer",
                          data={"number": "1", "text": "Säkerställ uppföljning."}).status_code == 302
    rec = session.scalars(select(Recommendation)).one()
    assert registrar.post(f"/rekommendationer/{rec.id}/steg/assign",
                          data={"owner": "owner", "version": str(rec.version)}).status_code == 302
    rec = _fresh(session, Recommendation, rec.id)
    owner = sign_in(app, session, users["owner"])
    assert f"/atgarder/ny?rekommendation={rec.id}" in owner.get(f"/rekommendationer/{rec.id}").get_data(as_text=True)
    response = owner.post(f"/atgarder/ny?rekommendation={rec.id}", data={"title": "Uppföljningsrutin"})
    assert response.status_code == 302 and response.headers["Location"] == f"/rekommendationer/{rec.id}"
    rec = _fresh(session, Recommendation, rec.id)
    assert [x.title for x in rec.measures] == ["Uppföljningsrutin"], "proposed from the page, linked to the answer"
    contributor = sign_in(app, session, users["contributor"])
    contributor.post(f"/atgarder/ny?rekommendation={rec.id}", data={"title": "Eget förslag"})
    assert "kopplades inte" in contributor.get("/").get_data(as_text=True), "told why it was not linked"
    assert len(_fresh(session, Recommendation, rec.id).measures) == 1
    response = owner.post(f"/rekommendationer/{rec.id}/svar", data={
        "answer": "Regionstyrelsen delar revisorernas bedömning.", "measure_ids": f"{m.id}", "version": str(rec.version)})
    assert response.status_code == 302
    rec = _fresh(session, Recommendation, rec.id)
    assert rec.answer.startswith("Regionstyrelsen") and [x.id for x in rec.measures] == [m.id]
    assert registrar.post(f"/rekommendationer/{rec.id}/steg/decide",
                          data={"decision_ref": "RS 2023-03-28 § 81", "version": str(rec.version)}).status_code == 302
    rec = _fresh(session, Recommendation, rec.id)
    page = owner.get(f"/rekommendationer/{rec.id}").get_data(as_text=True)
    assert "Svar antaget" in page and "Redigera svaret" not in page, "the adopted answer is frozen"
    response = owner.post(f"/rekommendationer/{rec.id}/svar", data={"answer": "Nytt.", "version": str(rec.version)})
    assert response.status_code == 422 and "Svaret är antaget" in response.get_data(as_text=True)
    assert _fresh(session, Recommendation, rec.id).answer.startswith("Regionstyrelsen")


def test_admin_adds_a_user_who_can_then_sign_in(make_web_app, session, users):
    from kfflow.services.auth_sessions import sign_in as service_sign_in

    app = make_web_app()
    admin = sign_in(app, session, users["admin"])
    response = admin.post("/admin/anvandare", data={"username": "Bad Name", "role": "owner", "password": "kort"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="user-username-error"' in html and 'id="user-password-error"' in html
    response = admin.post("/admin/anvandare", data={"username": "karin", "display_name": "Karin Berg",
                                                    "role": "owner", "password": "ett-langt-losenord"})
    assert response.status_code == 302
    assert "Karin Berg" in admin.get("/admin/anvandare").get_data(as_text=True)
    assert service_sign_in(session, "karin", "ett-langt-losenord", "127.0.0.1").user.role == "owner"


def test_templates_have_no_inline_script_or_style():
    """The Content-Security-Policy forbids them; a template that used one would break in the browser."""
    from pathlib import Path

    import webui

    offenders = []
    for template in Path(webui.__file__).parent.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        if re.search(r"<script(?![^>]*\bsrc=)|<style|\sstyle=|\son[a-z]+=|javascript:", text, re.IGNORECASE):
            offenders.append(template.name)
    assert offenders == []
