"""The browser side of reminders: the in-app list, the preferences page and the calendar link,
and that every link in a reminder mail opens a page for its recipient."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from icalendar import Calendar

from kfflow.services.audits import add_recommendation, register_audit
from kfflow.services.cases import fire
from kfflow.services.notifications import get_preferences, list_notifications
from tests.conftest import future
from tests.factories import measure_in_state
from tests.reminders_support import BASE, at, sweep
from tests.web_support import csrf_token, sign_in

HREF = re.compile(r'href="([^"]+)"')


def _page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def test_preferences_saved_on_the_page_are_applied_by_the_sweep(make_web_app, session, users, database, smtp_server):
    app = make_web_app()
    owner = sign_in(app, session, users["owner"])
    page = _page(owner, "/installningar/aviseringar")
    assert 'value="immediate" checked' in page and 'name="mail_enabled" value="1" checked' in page
    forged = sign_in(app, session, users["owner"], send_csrf=False)
    assert forged.post("/installningar/aviseringar", data={"mail_enabled": "1", "delivery": "daily"}).status_code == 400
    response = owner.post("/installningar/aviseringar", data={
        "csrf_token": csrf_token(page), "mail_enabled": "1", "delivery": "daily"})
    assert response.status_code == 302
    prefs = get_preferences(session, users["owner"])
    assert (prefs.mail_enabled, prefs.delivery) == (True, "daily")
    assert 'value="daily" checked' in _page(owner, "/installningar/aviseringar")

    for title in ("Förmånsportal", "Karriärmodeller"):
        measure_in_state(session, users, "decided", title=title)
    due = future()
    sweep(database, at(due, 8, days=-3), smtp_server)
    assert smtp_server.messages == []  # waiting for tomorrow's digest
    sweep(database, at(due, 7, 0, days=-2), smtp_server)
    sweep(database, at(due, 9, 0, days=-2), smtp_server)
    assert [m["Subject"] for m in smtp_server.to("owner@example.org")] == [
        "kfflow: Dagens sammanställning, 2 påminnelser"]


def test_mail_switched_off_on_the_page_and_a_bad_choice_is_422(make_web_app, session, users):
    owner = sign_in(make_web_app(), session, users["owner"])
    bad = owner.post("/installningar/aviseringar", data={"mail_enabled": "1", "delivery": "hourly"})
    assert bad.status_code == 422 and 'aria-describedby="delivery-error"' in bad.get_data(as_text=True)
    assert get_preferences(session, users["owner"]).delivery == "immediate"
    session.rollback()  # end this test's read snapshot
    assert owner.post("/installningar/aviseringar", data={"delivery": "weekly"}).status_code == 302
    prefs = get_preferences(session, users["owner"])
    assert (prefs.mail_enabled, prefs.delivery) == (False, "weekly")


def test_the_list_shows_only_ones_own_notifications_and_marks_only_them_read(make_web_app, session, users, database):
    app = make_web_app()
    mine = measure_in_state(session, users, "decided", title="Förmånsportal")
    measure_in_state(session, users, "decided", title="Annans karriärmodell", owner=users["other_owner"])
    sweep(database, at(future(), days=-3))
    owner, other = sign_in(app, session, users["owner"]), sign_in(app, session, users["other_owner"])

    page = _page(owner, "/aviseringar")
    assert "Förmånsportal" in page and "Annans karriärmodell" not in page
    assert f'href="/atgarder/{mine.id}"' in page and "(1 oläst)" in page
    other_page = _page(other, "/aviseringar")
    assert "Annans karriärmodell" in other_page and "Förmånsportal" not in other_page

    note_id = str(list_notifications(session, users["owner"])[0].id)
    assert other.post("/aviseringar/las", data={"id": note_id}).status_code == 302
    assert len(list_notifications(session, users["owner"], unread_only=True)) == 1
    session.rollback()
    assert "(1 oläst)" in _page(other, "/aviseringar")  # their own is still unread too

    assert owner.post("/aviseringar/las", data={"id": note_id}).status_code == 302
    assert list_notifications(session, users["owner"], unread_only=True) == []
    page = _page(owner, "/aviseringar")
    assert "oläst" not in page and "Markera alla som lästa" not in page


def test_calendar_link_issued_on_the_page_works_until_revoked(make_web_app, session, users):
    app = make_web_app()
    measure_in_state(session, users, "decided", title="Förmånsportal")
    owner = sign_in(app, session, users["owner"])
    assert "ingen aktiv kalenderlänk" in _page(owner, "/installningar/aviseringar")

    def issue() -> str:
        response = owner.post("/installningar/aviseringar/kalender")
        assert response.status_code == 200
        url = re.search(r'id="feed-url" value="([^"]+)"', response.get_data(as_text=True)).group(1)
        return urlsplit(url).path

    first = issue()
    feed = app.test_client().get(first)  # no session: the token is the key
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    assert [str(e["summary"]) for e in Calendar.from_ical(feed.data).walk("VEVENT")] == ["Slutdatum: Förmånsportal"]
    page = _page(owner, "/installningar/aviseringar")
    assert "en aktiv kalenderlänk" in page and first not in page  # shown once only

    second = issue()
    assert second != first
    assert app.test_client().get(first).status_code == 404
    assert app.test_client().get(second).status_code == 200
    assert owner.post("/installningar/aviseringar/kalender/aterkalla").status_code == 302
    assert app.test_client().get(second).status_code == 404


def test_every_link_in_a_reminder_mail_opens_a_page_for_its_recipient(make_web_app, session, users, database,
                                                                      smtp_server):
    app = make_web_app()
    measure_in_state(session, users, "decided")
    audit = register_audit(session, users["registrar"], {
        "name": "Fördjupad granskning", "number": "7/2022", "subject": "Strategisk kompetensförsörjning",
        "diarienummer": "RS/351/2022", "response_due": future().isoformat()})
    rec = add_recommendation(session, users["registrar"], audit.id, 1, "Regionstyrelsen bör följa upp.")
    fire(session, users["registrar"], rec, "assign", {"owner": users["owner"].username})
    sweep(database, at(future(), days=-3), smtp_server)

    checked = set()
    for username in ("owner", "registrar"):
        mails = smtp_server.to(f"{username}@example.org")
        assert mails, username
        client = sign_in(app, session, users[username])
        for mail in mails:
            for link in HREF.findall(mail.get_body(("html",)).get_content()):
                assert link.startswith(BASE + "/"), link
                _page(client, link[len(BASE):])
                checked.add(re.sub(r"\d+", "N", link[len(BASE):]))
    assert checked == {"/atgarder/N", "/rekommendationer/N", "/installningar/aviseringar"}


def test_mark_all_read_and_a_bad_id_marks_nothing(make_web_app, session, users, database):
    measure_in_state(session, users, "decided", title="Förmånsportal")
    measure_in_state(session, users, "decided", title="Karriärmodeller")
    sweep(database, at(future(), days=-3))
    owner = sign_in(make_web_app(), session, users["owner"])
    assert "(2 olästa)" in _page(owner, "/aviseringar")
    assert owner.post("/aviseringar/las", data={"id": "alla"}).status_code == 302
    assert "(2 olästa)" in _page(owner, "/aviseringar")
    response = owner.post("/aviseringar/las", follow_redirects=True)
    assert "2 aviseringar markerade som lästa." in response.get_data(as_text=True)
    assert list_notifications(session, users["owner"], unread_only=True) == []


def test_the_error_page_after_a_database_error_still_renders_with_the_header(make_web_app, session, users):
    """On PostgreSQL the failed statement aborts the transaction, so the header's COUNT fails too."""
    from sqlalchemy import text

    from webui.db import get_session

    app = make_web_app()

    @app.get("/trasig")
    def broken():
        get_session().execute(text("SELECT * FROM no_such_table"))

    response = sign_in(app, session, users["owner"]).get("/trasig")
    page = response.get_data(as_text=True)
    assert response.status_code == 500 and "Ett fel har uppstått" in page and 'href="/aviseringar"' in page


def test_the_calendar_link_uses_the_configured_base_url(make_web_app, session, users, settings):
    app = make_web_app()
    owner = sign_in(app, session, users["owner"])
    page = owner.post("/installningar/aviseringar/kalender").get_data(as_text=True)
    assert 'value="http://localhost/kalender/' in page  # unset: the host of the request
    app.config["KFFLOW_SETTINGS"] = settings.model_copy(update={"base_url": "https://kfflow.region.example/"})
    page = owner.post("/installningar/aviseringar/kalender").get_data(as_text=True)
    assert 'value="https://kfflow.region.example/kalender/' in page
