"""The Swedish catalogue: every gettext string of webui is in it, and it compiles when changed."""
from __future__ import annotations

import os

from babel.messages.pofile import read_po

from webui.i18n import TRANSLATIONS, compile_catalogues, extract_messages

PO = TRANSLATIONS / "sv" / "LC_MESSAGES" / "messages.po"


def test_catalogue_has_every_string_of_the_code():
    with PO.open("rb") as fh:
        catalogue = read_po(fh, locale="sv")
    missing = sorted(m.id for m in extract_messages() if m.id and not (catalogue.get(m.id) and catalogue[m.id].string))
    assert missing == [], "run `python -m webui.i18n update` and review the new strings"


def test_catalogue_compiles_when_missing_or_older(tmp_path):
    source = tmp_path / "translations"
    (source / "sv" / "LC_MESSAGES").mkdir(parents=True)
    po = source / "sv" / "LC_MESSAGES" / "messages.po"
    po.write_bytes(PO.read_bytes())
    compile_catalogues(source)
    mo = po.with_suffix(".mo")
    assert mo.exists() and mo.stat().st_size > 1000
    os.utime(mo, (1, 1))  # older than the .po: compiled again
    compile_catalogues(source)
    assert mo.stat().st_mtime > 1


def test_a_changed_catalogue_changes_the_page(make_web_app, tmp_path):
    """The machinery works end to end: the wording comes from the compiled catalogue."""
    folder = tmp_path / "tr"
    (folder / "sv" / "LC_MESSAGES").mkdir(parents=True)
    text = PO.read_text(encoding="utf-8").replace('msgstr "Logga in"', 'msgstr "Logga in i kfflow"')
    (folder / "sv" / "LC_MESSAGES" / "messages.po").write_text(text, encoding="utf-8")
    compile_catalogues(folder)
    app = make_web_app(BABEL_TRANSLATION_DIRECTORIES=str(folder))
    assert "<h1>Logga in i kfflow</h1>" in app.test_client().get("/logga-in").get_data(as_text=True)
