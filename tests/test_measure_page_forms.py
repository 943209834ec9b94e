"""The measure page's form posts share one way of answering: a refusal re-renders the page with what the user
typed and the reason beside the form; success flashes and goes back to the form's own place on the page."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from kfflow.models import Indicator, Measurement, ProgressReport
from tests.factories import measure_in_state
from tests.test_indicators import SICK_LEAVE
from tests.web_support import sign_in


def _count(session, model) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(model))


def test_a_refused_progress_report_keeps_the_text_and_names_the_reason(make_web_app, session, users):
    app = make_web_app()
    m = measure_in_state(session, users, "decided")
    owner = sign_in(app, session, users["owner"])
    stale = owner.post(f"/atgarder/{m.id}/lagesrapport", data={"version": m.version + 5, "done": "Skrivet förut."})
    assert stale.status_code == 409 and "Skrivet förut." in stale.get_data(as_text=True)
    no_version = owner.post(f"/atgarder/{m.id}/lagesrapport", data={"done": "Utan version."})
    assert no_version.status_code == 409 and "Utan version." in no_version.get_data(as_text=True)
    empty = owner.post(f"/atgarder/{m.id}/lagesrapport", data={"version": m.version, "ongoing": "   "})
    assert empty.status_code == 422 and "Fyll i minst en av frågorna." in empty.get_data(as_text=True)
    assert _count(session, ProgressReport) == 0
    saved = owner.post(f"/atgarder/{m.id}/lagesrapport", data={"version": m.version, "done": "Klart."})
    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"/atgarder/{m.id}#lagesrapporter")
    assert _count(session, ProgressReport) == 1


def test_a_guard_refusal_re_renders_the_page_with_the_rule_s_message(make_web_app, session, users):
    app = make_web_app()
    m = measure_in_state(session, users, "prioritised")
    steering = sign_in(app, session, users["steering"])
    refused = steering.post(f"/atgarder/{m.id}/lagesrapport", data={"version": m.version, "done": "För tidigt."})
    assert refused.status_code == 422
    assert "”Rapportera läget” kan inte göras när ärendet är prioriterad." in refused.get_data(as_text=True)
    assert _count(session, ProgressReport) == 0


def test_indicator_and_measurement_forms_keep_values_and_go_to_their_anchor(make_web_app, session, users):
    app = make_web_app()
    m = measure_in_state(session, users, "decided")
    owner = sign_in(app, session, users["owner"])
    form = {k: str(v) for k, v in SICK_LEAVE.items()}
    refused = owner.post(f"/atgarder/{m.id}/indikatorer", data={**form, "unit": "", "target_date": ""})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and SICK_LEAVE["name"] in html and "Ange när målet ska vara nått." in html
    saved = owner.post(f"/atgarder/{m.id}/indikatorer", data=form)
    assert saved.status_code == 302 and saved.headers["Location"].endswith("#indikatorer")
    ind = session.scalar(select(Indicator))
    today = date.today().isoformat()
    refused = owner.post(f"/atgarder/{m.id}/indikatorer/{ind.id}/matvarden",
                         data={"value": "sju", "date": today, "source": "Lönesystemet"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Lönesystemet" in html and "Ange ett tal" in html
    assert _count(session, Measurement) == 0
    saved = owner.post(f"/atgarder/{m.id}/indikatorer/{ind.id}/matvarden", data={"value": "7", "date": today})
    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"#indikator-{ind.id}")
    assert _count(session, Measurement) == 1
