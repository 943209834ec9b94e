"""Through real pages in Chromium: the whole life of a measure, and axe-core on every page type
as each role (0 violations of WCAG 2.0/2.1 A and AA). SQLite only; see tests/browser_support.py."""
from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta, timezone

import openpyxl
import pytest

from kfflow.services.audits import add_recommendation, register_audit, update_recommendation
from kfflow.services.cases import fire
from kfflow.services.indicators import add_indicator, add_measurement
from kfflow.services.lagesbild_snapshots import freeze_lagesbild
from kfflow.services.users import create_user
from tests.browser_support import ARTIFACTS, AXE_JS, LiveServer, launch, require
from tests.conftest import TEST_PASSWORD
from tests.factories import measure_in_state
from tests.reminders_support import sweep

ROLES = ("contributor", "owner", "council", "steering", "registrar", "admin")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="module")
def live(tmp_path_factory, password_hash):
    with LiveServer(tmp_path_factory.mktemp("browser")) as server:
        with server.database.session() as s:
            users = {role: create_user(s, None, username=role, role=role, display_name=f"Test {role.title()}",
                                       password_hash=password_hash) for role in ROLES}
            users["other_owner"] = create_user(s, None, username="other_owner", role="owner",
                                               display_name="Annan Ansvarig", password_hash=password_hash)
            decided = measure_in_state(s, users, "decided", title="Förmånsportal, införande")
            # An indicator with values, so that axe sees its chart, table and forms on the measure page.
            indicator = add_indicator(s, users["owner"], decided.id, {
                "name": "Sjukfrånvaro", "unit": "%", "direction": "lower", "baseline": 7.9,
                "baseline_date": (date.today() - timedelta(days=200)).isoformat(), "target": 6.5,
                "target_date": (date.today() + timedelta(days=400)).isoformat(), "frequency_days": 90})
            add_measurement(s, users["owner"], indicator.id, {"value": 7.4, "date": date.today().isoformat()})
            # An implemented measure with an indicator: the evaluate form shows where it stands.
            implemented = measure_in_state(s, users, "implemented", title="Heltidsresan")
            add_indicator(s, users["owner"], implemented.id, {
                "name": "Andel heltider", "unit": "%", "direction": "higher", "baseline": 40,
                "baseline_date": (date.today() - timedelta(days=200)).isoformat(), "target": 60,
                "target_date": (date.today() + timedelta(days=400)).isoformat(), "frequency_days": 90})
            audit = register_audit(s, users["registrar"], {
                "name": "Fördjupad granskning", "number": "7/2022", "subject": "Strategisk kompetensförsörjning",
                "diarienummer": "RS/351/2022", "response_due": (date.today() + timedelta(days=10)).isoformat()})
            rec = add_recommendation(s, users["registrar"], audit.id, 1,
                                     "Regionstyrelsen bör säkerställa att beslutade åtgärder följs upp.")
            fire(s, users["registrar"], rec, "assign", {"owner": "owner"})
            # Answered with the measure, so that the follow-up page shows its measure and indicator tables.
            update_recommendation(s, users["registrar"], rec.id, {"answer": "Åtgärden följs upp.",
                                                                  "measure_ids": [decided.id]}, None)
            # Measures awaiting a decision, one judged and one not, for the ranked list and the judgement forms.
            measure_in_state(s, users, "prioritised", title="Mer filmat utbildningsmaterial i KTC")
            proposed = measure_in_state(s, users, "proposed", title="Heltid som norm i vården")
            service = create_user(s, users["admin"], username="hr.system", role="council",
                                  display_name="HR-systemet", service_account=True)
            # Two frozen lägesbilder, so that axe sees the list, a frozen one and the trend.
            freeze_lagesbild(s, users["steering"])
            snapshot = freeze_lagesbild(s, users["steering"], working_group=None)
            server.ids = {"measure": decided.id, "implemented": implemented.id, "audit": audit.id, "rec": rec.id, "service": service.id,
                          "snapshot": snapshot.id, "proposed": proposed.id}
        sweep(server.database, datetime.now(timezone.utc))  # in-app notifications for the list page
        yield server


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


def signed_in(browser, live, username, *, axe: bool = False):
    context = _context(browser, live, axe=axe)
    page = context.new_page()
    page.goto("/logga-in")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url(re.compile(r"/$"))
    return context, page


def _context(browser, live, *, axe: bool):
    if not axe:
        return browser.new_context(base_url=live.url, locale="sv-SE")
    require(AXE_JS, "axe-core (make test installs it)")
    # bypass_csp only lets the test inject axe into every page; the pages themselves are unchanged.
    context = browser.new_context(base_url=live.url, locale="sv-SE", bypass_csp=True)
    context.add_init_script(path=str(AXE_JS))
    return context


def _step(page, action: str, texts: dict, choices: dict, *, expect: str, shot):
    """Open the transition's form from the case page, fill exactly its fields, send it."""
    page.get_by_role("link", name=action, exact=True).click()
    for label, value in texts.items():
        page.get_by_label(label).fill(value)
    for label, option in choices.items():
        page.get_by_label(label).select_option(label=option)
    page.get_by_role("button", name=action).click()
    page.get_by_text(f"Klart: {action}").wait_for()
    assert expect in page.locator("h1 + p").inner_text()
    page.screenshot(path=shot, full_page=True)


def test_a_measure_through_its_whole_life(browser, live):
    shots = ARTIFACTS / "journey"
    shots.mkdir(parents=True, exist_ok=True)
    csp_errors = []

    def act(username):
        context, page = signed_in(browser, live, username)
        page.on("console", lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None)
        return context, page

    # 1. A contributor proposes.
    ctx, page = act("contributor")
    page.get_by_role("link", name="Föreslå åtgärd").click()
    page.get_by_label("Titel").fill("Mentorskap för nya sjuksköterskor")
    page.get_by_label("Beskrivning").fill("Erfarna kollegor handleder nyanställda under första året.")
    page.get_by_label("Arbetsgrupp").select_option("Utbildning")
    page.get_by_role("button", name="Skicka förslaget").click()
    page.get_by_text("Förslaget är registrerat").wait_for()
    measure_url = page.url
    assert "Föreslagen" in page.locator("h1 + p").inner_text()
    page.screenshot(path=shots / "1-contributor-proposes.png", full_page=True)
    ctx.close()

    # 2. The council prioritises.
    ctx, page = act("council")
    page.goto(measure_url)
    assert page.get_by_role("link", name="Besluta").count() == 0, "the council has no mandate to decide"
    _step(page, "Prioritera", {"Prioritet": "1", "Förväntad effekt": "Färre slutar första året; mäts med omsättning."},
          {"Kategori": "Behålla", "Effektens storlek": "3 – Stor",
           "Säkerställd effekt": "4 – Mätbar och uppföljd med indikator", "Kostnad och insats": "1 – Låg",
           "Tid till effekt": "2 – Inom ett år"}, expect="Prioriterad", shot=shots / "2-council-prioritises.png")
    ctx.close()

    # 3. Steering decides with owner and due date.
    ctx, page = act("steering")
    page.goto(measure_url)
    _step(page, "Besluta", {"Slutdatum": (date.today() + timedelta(days=90)).isoformat(),
                            "Beslutsreferens": "Styrgruppen 2026-03-02 § 12"},
          {"Ansvarig": "Test Owner (owner)"}, expect="Beslutad", shot=shots / "3-steering-decides.png")
    ctx.close()

    # 4. The owner reports progress, then implements.
    ctx, page = act("owner")
    page.goto(measure_url)
    page.get_by_label("Vad är gjort?").fill("Tolv mentorer utsedda.")
    page.get_by_label("Vad pågår?").fill("Första träffarna.")
    page.get_by_label("Vad finns planerat?").fill("Uppföljning efter sex månader.")
    page.get_by_role("button", name="Spara lägesrapport").click()
    page.get_by_text("Lägesrapporten är sparad").wait_for()
    assert "Tolv mentorer utsedda." in page.content()
    page.screenshot(path=shots / "4-owner-reports-progress.png", full_page=True)
    _step(page, "Markera som genomförd", {"Vad har genomförts?": "Mentorskapet är infört på alla avdelningar."}, {},
          expect="Genomförd", shot=shots / "5-owner-implements.png")
    ctx.close()

    # 5. Steering evaluates.
    ctx, page = act("steering")
    page.goto(measure_url)
    _step(page, "Utvärdera", {"Utvärdering": "Personalomsättningen första året sjönk från 18 till 11 procent."},
          {"Effekt": "Uppnådd"}, expect="Utvärderad", shot=shots / "6-steering-evaluates.png")
    timeline = page.locator("ol.timeline > li")
    assert timeline.count() == 6  # propose, prioritise, decide, report, implement, evaluate
    ctx.close()
    assert csp_errors == [], "the pages must work under their own Content-Security-Policy"


def _pages(live, role: str) -> list[str]:
    """Pages whose content depends on the role (actions offered) for every role; the rest once."""
    ids = live.ids
    by_role = ["/", "/atgarder", f"/atgarder/{ids['measure']}", f"/rekommendationer/{ids['rec']}"]
    extra = {
        "contributor": ["/lagesbild", f"/granskningar/{ids['audit']}/uppfoljning", "/atgarder/ny", "/granskningar", f"/granskningar/{ids['audit']}", "/tillganglighet",
                        "/finns-inte", f"/atgarder/{ids['measure']}/andra"],  # the last two: 404 and 403 pages
        "owner": [f"/atgarder/{ids['measure']}/andra", f"/atgarder/{ids['measure']}/steg/implement",
                  "/aviseringar", "/installningar/aviseringar", "/konto"],
        "council": ["/atgarder?lage=decided&sortera=title&ordning=fallande", "/atgarder/rangordning",
                    f"/atgarder/{ids['proposed']}/steg/prioritise", "/atgarder?sortera=score&ordning=fallande",
                    "/atgarder/delrapport.pdf?from=2026-13-01&to=2026-01-01"],  # the report form with errors
        "steering": [f"/atgarder/{ids['measure']}/steg/reassign", f"/atgarder/{ids['proposed']}/andra",
                     "/atgarder?forsenad=1", "/atgarder/importera",
                     "/lagesbild", "/lagesbild/frysta", f"/lagesbild/frysta/{ids['snapshot']}",
                     "/lagesbild?as_of=2026-02-30&working_group=Ingen"],  # the last: the filters with errors
        "registrar": ["/granskningar/ny", f"/granskningar/{ids['audit']}", f"/rekommendationer/{ids['rec']}/steg/reassign",
                      "/atgarder/importera", f"/granskningar/{ids['audit']}/andra",
                      f"/granskningar/{ids['audit']}/steg/start_drafting"],
        "admin": ["/admin/anvandare", "/admin/roller", "/admin/organ", "/admin/tjanstekonton",
                  f"/admin/tjanstekonton/{ids['service']}", "/admin/kontohandelser"],
    }
    return by_role + extra[role]


def _axe(page) -> list[str]:
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
                           " resultTypes: ['violations']})", AXE_TAGS)
    assert result["testEngine"]["name"] == "axe-core" and result["passes"] + result["violations"], "axe did not run"
    return [f"{page.url}: {v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(n["target"][0] for n in v["nodes"][:3]) for v in result["violations"]]


def _check(page, path: str) -> list[str]:
    page.goto(path)
    return _axe(page)


@pytest.mark.parametrize("role", ROLES)
def test_axe_on_every_page_type(browser, live, role):
    context, page = signed_in(browser, live, role, axe=True)
    violations = []
    for path in _pages(live, role):
        violations += _check(page, path)
    # A form re-rendered with errors beside its fields.
    page.goto("/atgarder/ny")
    page.evaluate("document.querySelectorAll('[required]').forEach(e => e.removeAttribute('required'))")
    page.get_by_role("button", name="Skicka förslaget").click()
    page.get_by_text("fältet måste fyllas i").wait_for()
    violations += _axe(page)
    if role == "owner":  # a measurement refused, its error beside the field
        page.goto(f"/atgarder/{live.ids['measure']}")
        form = page.get_by_role("group", name="Registrera ett mätvärde för Sjukfrånvaro")
        form.get_by_label("Värde").fill("sju")
        form.get_by_label("Datum").fill(date.today().isoformat())
        page.get_by_role("button", name="Spara mätvärdet").click()
        page.get_by_text("Ange ett tal, t.ex. 7,9.").wait_for()
        violations += _axe(page)
    if role == "steering":  # the evaluate form with each indicator's standing against its target
        page.goto(f"/atgarder/{live.ids['implemented']}/steg/evaluate")
        standings = page.get_by_role("table", name="Indikatorernas läge mot målen")
        assert standings.get_by_role("row", name="Andel heltider").get_by_text("Inget mätvärde ännu").count() == 1
        violations += _axe(page)
    if role == "owner":  # the calendar link, shown once after it is made
        page.goto("/installningar/aviseringar")
        page.get_by_role("button", name="Skapa kalenderlänk").click()
        page.get_by_label("Din kalenderlänk (visas bara nu, spara den i din kalender):").wait_for()
        violations += _axe(page)
    context.close()
    assert violations == []


def _sheet(rows) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(["Åtgärd", "Kategori"])
    for row in rows:
        workbook.active.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_axe_on_the_import_report_and_preview(browser, live):
    """The upload page's two answers: the error report tied to the file field, and the preview (nothing confirmed)."""
    context, page = signed_in(browser, live, "registrar", axe=True)
    violations = []
    for rows, expect in (([("Nytt arbetssätt", "Okänd")], "rad 2, kolumn Kategori"),
                         ([("Nytt arbetssätt", "Behålla"), ("Förmånsportal, införande", "Rekrytera")], "Bekräfta import")):
        page.goto("/atgarder/importera")
        page.get_by_label("Fil").set_input_files(
            {"name": "plan.xlsx", "buffer": _sheet(rows),
             "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})
        page.get_by_role("button", name="Förhandsgranska").click()
        page.get_by_text(expect).first.wait_for()
        violations += _axe(page)
    context.close()
    assert violations == []


def test_axe_signed_out(browser, live):
    context = _context(browser, live, axe=True)
    page = context.new_page()
    violations = _check(page, "/logga-in") + _check(page, "/tillganglighet")
    page.goto("/logga-in")
    page.get_by_label("Användarnamn").fill("nobody")
    page.get_by_label("Lösenord").fill("wrong-password")
    page.get_by_role("button", name="Logga in").click()
    page.get_by_text("Fel användarnamn eller lösenord").wait_for()
    violations += _axe(page)
    context.close()
    assert violations == []


def test_axe_on_the_api_keys_page(browser, live):
    """The list with a key, the key shown once after it is made, and the form refused beside its fields."""
    context, page = signed_in(browser, live, "owner", axe=True)
    page.goto("/installningar/aviseringar")
    page.get_by_role("link", name="Hantera dina API-nycklar").click()
    violations = _axe(page)
    page.get_by_label("Namn, t.ex. vad nyckeln ska användas till").fill("Rapportverktyget")
    page.get_by_role("button", name="Skapa nyckeln").click()
    shown = page.get_by_label(re.compile("API-nyckeln ”Rapportverktyget” \\(visas bara nu"))
    assert len(shown.input_value()) > 30
    violations += _axe(page)
    page.goto("/installningar/api-nycklar")
    page.get_by_role("button", name="Återkalla Rapportverktyget").wait_for()
    page.evaluate("document.querySelectorAll('[required]').forEach(e => e.removeAttribute('required'))")
    page.get_by_label(re.compile("Gäller till och med")).fill("")
    page.get_by_role("button", name="Skapa nyckeln").click()
    page.get_by_text("Ge nyckeln ett namn").wait_for()
    violations += _axe(page)
    context.close()
    assert violations == []


@pytest.fixture(scope="module")
def live_with_provider(tmp_path_factory):
    """Sign-in through an identity provider, no password sign-in but for one break-glass account. The sign-in
    page needs only the settings (the provider is first asked when someone presses the button)."""
    with LiveServer(tmp_path_factory.mktemp("provider"), oidc_issuer="https://login.region.example/kfflow",
                    oidc_client_id="kfflow", oidc_name="Region Exempel", local_login=False,
                    break_glass_accounts="nod.admin") as server:
        yield server


def test_axe_on_the_sign_in_page_with_a_provider(browser, live_with_provider):
    context = _context(browser, live_with_provider, axe=True)
    page = context.new_page()
    page.goto("/logga-in")
    button = page.get_by_role("link", name="Logga in med Region Exempel")
    assert button.get_attribute("href").startswith("/logga-in/oidc")
    assert not page.get_by_label("Lösenord").is_visible()   # only behind the break-glass disclosure
    violations = _axe(page)
    page.get_by_text("Nödinloggning med lösenord").click()
    page.get_by_label("Användarnamn").fill("owner")
    page.get_by_label("Lösenord").fill("wrong-password")
    page.get_by_role("button", name="Logga in", exact=True).click()
    page.get_by_text("Inloggning med lösenord är avstängd").wait_for()
    violations += _axe(page)
    context.close()
    assert violations == []


def test_evidence_upload_in_the_browser(browser, live):
    """The progress form sends files as a browser does (names with quotes and Unicode survive), a bad file gets its
    message on the field, the page lists the file, and the link downloads the same bytes; axe on both answers."""
    from tests.evidence_files import pdf_bytes

    pdf = pdf_bytes()
    name = 'Beslut "RS" § 81 – åäö.pdf'
    context, page = signed_in(browser, live, "owner", axe=True)
    page.goto(f"/atgarder/{live.ids['measure']}")
    page.get_by_label("Vad är gjort?").fill("Beslutet är fattat.")
    page.get_by_label("Underlag (valfritt)").set_input_files({"name": "beslut.docx", "buffer": pdf,
                                                               "mimeType": "application/pdf"})
    page.get_by_role("button", name="Spara lägesrapport").click()
    page.get_by_text("filändelsen ska stämma").wait_for()
    violations = _axe(page)
    assert page.get_by_label("Vad är gjort?").input_value() == "Beslutet är fattat."
    page.get_by_label("Underlag (valfritt)").set_input_files({"name": name, "buffer": pdf, "mimeType": "application/pdf"})
    page.get_by_role("button", name="Spara lägesrapport").click()
    page.get_by_text("Lägesrapporten är sparad").wait_for()
    violations += _axe(page)
    link = page.get_by_role("link", name=name).first
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == name.replace('"', "_")  # Chromium saves no quotes in a file name
    with open(download.value.path(), "rb") as saved:
        assert saved.read() == pdf
    context.close()
    assert violations == []
