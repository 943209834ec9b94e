"""Flask-Babel: Swedish locale, and the catalogue compiled from its .po when the .mo is missing or older.

Source strings are written in Swedish (the only language users see); the sv catalogue is where an
organisation adjusts wording without touching code. *.mo files are build products and not in git:
the app compiles them at start, beside the .po when that folder is writable, else into the instance
folder.
"""
from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import g
from flask_babel import Babel, get_translations

from kfflow.clock import LOCAL_TZ

log = logging.getLogger(__name__)

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
LOCALE = "sv"
TIMEZONE = LOCAL_TZ.key


def compile_catalogues(source: Path = TRANSLATIONS, fallback: Path | None = None) -> Path:
    """Compile every messages.po under `source` whose .mo is missing or older; return the folder used."""
    target_root = source
    for po_path in sorted(source.glob("*/LC_MESSAGES/messages.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as fh:
            catalog = read_po(fh, locale=po_path.parent.parent.name)
        try:
            _write(catalog, mo_path)
        except OSError:
            if fallback is None:
                raise
            target_root = fallback
            _write(catalog, fallback / po_path.relative_to(source).with_suffix(".mo"))
        log.info("compiled %s", po_path)
    return target_root


def _write(catalog, mo_path: Path) -> None:
    mo_path.parent.mkdir(parents=True, exist_ok=True)
    # A private temporary file, then an atomic rename: several workers may compile at once.
    fd, tmp = tempfile.mkstemp(dir=mo_path.parent, suffix=".mo.tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            write_mo(fh, catalog)
        os.replace(tmp, mo_path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def init_app(app) -> None:
    folder = compile_catalogues(fallback=Path(app.instance_path) / "translations")
    app.config.setdefault("BABEL_DEFAULT_LOCALE", LOCALE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", TIMEZONE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(folder))
    Babel(app, locale_selector=lambda: LOCALE)
    # Templates look their texts up many times a page (a list page: some sixty): resolve the catalogue once
    # per request instead of on every lookup, as Flask-Babel's own callables would.
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True)


def _translations():
    found = g.get("kfflow_translations")
    if found is None:
        found = g.kfflow_translations = get_translations()
    return found


# --- keeping the catalogue complete (`python -m webui.i18n update`; a test checks it) ---------------

PACKAGE = Path(__file__).resolve().parent
METHOD_MAP = [("**/templates/**.html", "jinja2"), ("**.py", "python")]


def extract_messages():
    """Every gettext string in webui's code and templates, as a babel Catalog."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir

    catalog = Catalog(locale=LOCALE, project="kfflow", charset="utf-8", fuzzy=False,
                      creation_date=datetime(2026, 1, 1, tzinfo=timezone.utc))
    for filename, lineno, message, comments, context in extract_from_dir(
            str(PACKAGE), METHOD_MAP, keywords={"_": None, "gettext": None, "lazy_gettext": None, "_l": None,
                                      "ngettext": (1, 2)},
            comment_tags=(), strip_comment_tags=True):
        if message:
            catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def update_catalogue(po_path: Path = TRANSLATIONS / LOCALE / "LC_MESSAGES" / "messages.po") -> int:
    """Add new strings to the Swedish catalogue (source strings are Swedish: msgstr starts as msgid)
    and drop strings no longer used; keeps every translation already made. Returns the number added."""
    from babel.messages.pofile import write_po

    extracted = extract_messages()
    existing = None
    if po_path.exists():
        with po_path.open("rb") as fh:
            existing = read_po(fh, locale=LOCALE)
    added = 0
    for message in extracted:
        if not message.id:
            continue
        old = existing.get(message.id) if existing is not None else None
        if old is not None and old.string:
            message.string = old.string
        else:
            message.string = message.id
            added += 1
    po_path.parent.mkdir(parents=True, exist_ok=True)
    with po_path.open("wb") as fh:
        write_po(fh, extracted, width=100, omit_header=False, sort_output=True, include_lineno=False)
    return added


if __name__ == "__main__":
    import sys

    if sys.argv[1:] == ["update"]:
        print(f"{update_catalogue()} new messages")
    else:
        print("usage: python -m webui.i18n update")
