"""The browser side of import and export: upload → report or preview → confirm, and the list's export."""
from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import openpyxl
import pytest
from sqlalchemy import func, select

from kfflow.importing.readers import MAX_FILE_BYTES
from kfflow.importing.uploads import KEEP
from kfflow.models import HistoryEntry, Measure, StoredFile
from kfflow.services.cases import history_of
from kfflow.services.importing import import_measures
from kfflow.services.measures import propose_measure
from tests.conftest import NOW
from tests.factories import measure_in_state
from tests.jobs_support import run_waiting_jobs
from tests.web_support import csrf_token, sign_in

HEADINGS = ["Åtgärd", "Kategori", "Beskrivning"]
GOOD = [("Mentorskap för nya sjuksköterskor", "Behålla", "Erfarna kollegor handleder."),
        ("Förmånsportal, införande", "Rekrytera", "En portal för alla förmåner."),
        ("Fler e-besök", "Utveckla", "Digitala besök i primärvården.")]
SHA = re.compile(r'name="sha256" value="([0-9a-f]{64})"')


def xlsx_bytes(rows, headings=HEADINGS) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(headings)
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def counts(session) -> tuple[int, int]:
    session.rollback()  # see what the app's own session committed
    return (session.scalar(select(func.count()).select_from(Measure)),
            session.scalar(select(func.count()).select_from(HistoryEntry)))


def upload(client, data: bytes, name="plan.xlsx", update=False, status=200, **extra) -> str:
    form = {"fil": (io.BytesIO(data), name), **extra}
    if update:
        form["uppdatera"] = "1"
    response = client.post("/atgarder/importera", data=form, content_type="multipart/form-data")
    body = response.get_data(as_text=True)
    assert response.status_code == status, body
    return body


def confirm(client, app, sha: str):
    """Post "Bekräfta import": a refusal answers at once; otherwise the import is a job whose waiting page
    becomes the result once it has run."""
    response = client.post("/atgarder/importera/bekrafta", data={"sha256": sha})
    if response.status_code != 303:
        return response
    assert response.headers["Location"].startswith("/jobb/")
    run_waiting_jobs(app)
    return client.get(response.headers["Location"])


def stored(session) -> list:
    """The uploads kept in the database, by hash; and nothing in any node's instance folder."""
    session.rollback()
    return list(session.scalars(select(StoredFile.sha256).order_by(StoredFile.id)))


@pytest.fixture
def web(make_web_app):
    return make_web_app()


def test_a_good_file_is_previewed_then_imported_on_confirm(web, session, users, settings):
    client = sign_in(web, session, users["registrar"])
    before = counts(session)
    page = upload(client, xlsx_bytes(GOOD))
    assert "Förhandsgranska import" in page and "Inget är sparat ännu" in page
    assert re.search(r"<dt>Skapas</dt><dd>3</dd>", page)
    assert "<td>2</td><td>Mentorskap för nya sjuksköterskor</td>" in page and "<td>Föreslagen</td>" in page
    assert counts(session) == before, "a preview writes nothing"
    sha = SHA.search(page).group(1)
    assert stored(session) == [sha]
    assert not (settings.instance_path / "uploads").exists()

    response = confirm(client, web, sha)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "Importen är klar" in body
    assert "3 skapade, 0 uppdaterade, 0 oförändrade" in body
    assert counts(session)[0] == before[0] + 3
    measures = session.scalars(select(Measure).order_by(Measure.id)).all()
    assert [(m.title, m.category, m.state) for m in measures] == [
        (GOOD[0][0], "retain", "proposed"), (GOOD[1][0], "recruit", "proposed"), (GOOD[2][0], "develop", "proposed")]
    entry = history_of(session, measures[0])[0]
    assert entry.actor_id == users["registrar"].id
    assert entry.comment == f"Importerad från fil plan.xlsx (sha256 {sha})"
    assert stored(session) == [], "the stored file is removed once imported"

    # The confirmed preview is used up: posting it again imports nothing twice.
    again = confirm(client, web, sha)
    assert again.status_code == 422 and "ingen förhandsgranskad fil" in again.get_data(as_text=True)
    assert counts(session)[0] == before[0] + 3


def test_a_file_with_a_bad_row_names_the_row_and_writes_nothing(web, session, users, settings):
    client = sign_in(web, session, users["steering"])
    before = counts(session)
    rows = GOOD + [("Nattransportörer", "Okänd kategori", "")]
    page = upload(client, xlsx_bytes(rows), status=422)
    assert "har 1 fel; inget har sparats" in page
    assert "<li>rad 5, kolumn Kategori: &#34;Okänd kategori&#34; är inte en av Behålla, Rekrytera, Utveckla</li>" in page
    assert 'aria-describedby="fil-hint fil-error"' in page
    assert "Bekräfta import" not in page
    assert counts(session) == before
    assert stored(session) == [], "a file with errors is not kept"


def test_confirm_with_another_sha256_than_previewed_is_refused(web, session, users):
    client = sign_in(web, session, users["registrar"])
    before = counts(session)
    page = upload(client, xlsx_bytes(GOOD))
    sha = SHA.search(page).group(1)
    other = ("0" if sha[0] != "0" else "1") + sha[1:]
    response = client.post("/atgarder/importera/bekrafta", data={"sha256": other})
    assert response.status_code == 422
    assert "inte den som förhandsgranskades; inget har sparats" in response.get_data(as_text=True)
    assert counts(session) == before
    # A second upload replaces the preview: the first one's hash no longer confirms anything.
    page2 = upload(client, xlsx_bytes(GOOD[:1]))
    assert client.post("/atgarder/importera/bekrafta", data={"sha256": sha}).status_code == 422
    assert counts(session) == before
    assert confirm(client, web, SHA.search(page2).group(1)).status_code == 200
    assert counts(session)[0] == before[0] + 1


def test_update_option_edits_matched_measures_through_the_service(web, session, users):
    existing = propose_measure(session, users["contributor"], {"title": GOOD[0][0], "category": "retain",
                                                                "description": "Gammal text."})
    client = sign_in(web, session, users["steering"])
    page = upload(client, xlsx_bytes(GOOD[:1]))
    assert re.search(r"<dt>Skiljer sig men lämnas orörda</dt><dd>1</dd>", page) and "Bekräfta import" not in page
    page = upload(client, xlsx_bytes(GOOD[:1]), update=True)
    assert re.search(r"<dt>Uppdateras</dt><dd>1</dd>", page) and "Beskrivning" in page
    done = confirm(client, web, SHA.search(page).group(1))
    assert done.status_code == 200 and "0 skapade, 1 uppdaterade" in done.get_data(as_text=True)
    session.expire_all()
    assert session.get(Measure, existing.id).description == GOOD[0][2]
    assert [e.trigger for e in history_of(session, existing)] == ["propose", "edit"]


def test_other_roles_may_not_upload_and_nothing_is_stored(web, session, users, settings):
    for role in ("contributor", "owner", "council", "admin"):
        client = sign_in(web, session, users[role])
        assert client.get("/atgarder/importera").status_code == 403
        upload(client, xlsx_bytes(GOOD), status=403)
        assert "Läs in från fil" not in client.get("/atgarder").get_data(as_text=True)
    assert stored(session) == []
    assert "Läs in från fil" in sign_in(web, session, users["registrar"]).get("/atgarder").get_data(as_text=True)


def test_a_too_large_upload_gets_a_swedish_message_before_the_form_is_read(make_web_app, session, users, settings):
    app = make_web_app()  # the CSRF check reads the form first: the limit must already hold
    client = sign_in(app, session, users["registrar"])
    token = csrf_token(client.get("/atgarder/importera").get_data(as_text=True))
    # The body built by hand: the test client would spool a big file to a temporary file it never closes.
    boundary = "kfflowgrans"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="fil"; filename="stor.csv"\r\n'
            f'Content-Type: text/csv\r\n\r\n').encode() + b"x" * (MAX_FILE_BYTES + 100 * 1024) \
        + f"\r\n--{boundary}--\r\n".encode()
    response = client.post("/atgarder/importera", data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 413
    assert "Filen är för stor. Högst 10 MB kan läsas in" in response.get_data(as_text=True)
    assert stored(session) == []


def test_odd_files_are_refused_with_a_message(web, session, users, settings):
    client = sign_in(web, session, users["registrar"])
    assert "Filtypen ”.docx” kan inte läsas" in upload(client, b"PK..", name="plan.docx", status=422)
    assert "Välj en fil att läsa in" in upload(client, b"", name="", status=422)
    page = upload(client, b"", name="tom.csv", status=422)
    assert "Filen tom.csv är tom." in page and "Inget har sparats." in page
    assert stored(session) == []


def _export(client, fmt: str, query: str):
    response = client.get(f"/atgarder/exportera.{fmt}?{query}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment; filename=atgarder-")
    return response.data


def test_export_holds_exactly_the_filtered_rows_and_reimports_unchanged(web, session, users, tmp_path):
    measure_in_state(session, users, "decided", title="Förmånsportal, införande")  # category recruit
    measure_in_state(session, users, "prioritised", title="Chefer i kliniskt arbete, utredning")  # recruit
    propose_measure(session, users["contributor"], {"title": "=HYPERLINK(\"http://x\")", "category": "recruit"})
    propose_measure(session, users["contributor"], {"title": "Karriärmodeller", "category": "retain"})
    client = sign_in(web, session, users["contributor"])  # any signed-in user may export

    data = _export(client, "xlsx", "kategori=recruit&sortera=title")
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows(values_only=True))
    titles = [r[rows[0].index("Åtgärd")] for r in rows[1:]]
    assert titles == ["'=HYPERLINK(\"http://x\")", "Chefer i kliniskt arbete, utredning", "Förmånsportal, införande"]

    text = _export(client, "csv", "kategori=recruit&lage=decided")
    assert text.startswith("\ufeff".encode())
    table = list(csv.reader(io.StringIO(text.decode("utf-8-sig")), delimiter=";"))
    assert [r[table[0].index("Åtgärd")] for r in table[1:]] == ["Förmånsportal, införande"]

    before = counts(session)
    for name, content in (("urval.xlsx", data), ("urval.csv", text)):
        path = tmp_path / name
        path.write_bytes(content)
        result = import_measures(session, users["steering"], path, update=True)
        assert (len(result.created), len(result.updated), len(result.differing)) == (0, 0, 0)
        assert len(result.unchanged) == (3 if name.endswith("xlsx") else 1)
    assert counts(session) == before
    # The same through the upload page: the preview has nothing to confirm.
    page = upload(sign_in(web, session, users["registrar"]), data, name="urval.xlsx", update=True)
    assert "<dt>Oförändrade</dt><dd>3</dd>" in page and "Importen skulle inte ändra något." in page
    assert "Bekräfta import" not in page


def test_export_of_an_unknown_format_is_404(web, session, users):
    assert sign_in(web, session, users["owner"]).get("/atgarder/exportera.pdf").status_code == 404


def test_previews_nobody_confirmed_are_deleted_after_a_day(session, users):
    from kfflow.services.importing import stage_upload

    old = stage_upload(session, users["steering"], io.BytesIO(b"a;b\n1;2\n"), "gammal.csv", now=NOW)
    fresh = stage_upload(session, users["registrar"], io.BytesIO(b"a;b\n3;4\n"), "ny.csv", now=NOW + KEEP / 2)
    newest = stage_upload(session, users["registrar"], io.BytesIO(b"a;b\n5;6\n"), "nyast.csv",
                          now=NOW + KEEP + timedelta(seconds=1))
    assert stored(session) == [fresh.sha256, newest.sha256]
    # A new upload replaces the same user's previous one.
    again = stage_upload(session, users["registrar"], io.BytesIO(b"a;b\n7;8\n"), "igen.csv",
                         replaces=newest.id, now=NOW + KEEP + timedelta(seconds=2))
    assert stored(session) == [fresh.sha256, again.sha256] and old.id not in (fresh.id, again.id)
