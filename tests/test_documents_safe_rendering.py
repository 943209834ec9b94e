"""Rendering must not reach out: no file outside our assets, no network, user text never markup.

A real listening socket on loopback records every connection. Positive controls show that the same
markup does reach out with WeasyPrint's default fetcher, so the negative results mean something.
"""
from __future__ import annotations

import socket
import threading
from datetime import datetime, timezone

import pytest
import weasyprint
from weasyprint.urls import FatalURLFetchingError

from kfflow.documents.fetcher import ASSETS_DIR, ForbiddenResource, SafeURLFetcher
from kfflow.documents.render import html_to_pdf
from kfflow.services.documents import preview_yttrande

from tests.audit_factories import ANSWERS, answered_audit
from tests.conftest import NOW
from tests.pdf_checks import attachments, embedded_json, text

SECRET = "/etc/passwd"
WHEN = datetime(2026, 3, 2, tzinfo=timezone.utc)


class ConnectionRecorder:
    """A socket listening on 127.0.0.1 whose thread records (and closes) every accepted connection."""

    def __init__(self):
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.listener.settimeout(0.05)
        self.port = self.listener.getsockname()[1]
        self.accepted: list[tuple[str, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stop.is_set():
            try:
                conn, peer = self.listener.accept()
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                return
            self.accepted.append(peer)
            conn.close()

    def connections(self) -> list[tuple[str, int]]:
        """Stop the thread, then drain the backlog too, so a connection made just now is not missed."""
        self._stop.set()
        self._thread.join(timeout=5)
        self.listener.setblocking(False)
        while True:
            try:
                conn, peer = self.listener.accept()
            except (BlockingIOError, OSError):
                break
            self.accepted.append(peer)
            conn.close()
        self.listener.close()
        return self.accepted


@pytest.fixture
def recorder():
    rec = ConnectionRecorder()
    yield rec
    if rec.listener.fileno() != -1:  # not yet drained by the test
        rec.connections()


def hostile(port: int) -> str:
    return (f'<link rel="attachment" href="file://{SECRET}">'
            f'<img src="http://127.0.0.1:{port}/x">'
            f'<link rel="stylesheet" href="http://127.0.0.1:{port}/s.css">')


def test_hostile_answer_is_text_not_markup(session, users, recorder):
    answers = list(ANSWERS)
    answers[1] = "Vi svarar så här: " + hostile(recorder.port)
    audit, _ = answered_audit(session, users, answers=answers)
    pdf = preview_yttrande(session, users["owner"], audit.id, now=NOW)
    assert recorder.connections() == []
    assert list(attachments(pdf)) == ["yttrande-RS-351-2022.json"]  # ours, nothing else
    assert embedded_json(pdf)["recommendations"][1]["answer"] == answers[1]
    body = text(pdf)
    assert f'<link rel="attachment" href="file://{SECRET}">' in body  # shown as the text it is
    assert "root:" not in body


def test_fetcher_stops_markup_that_reaches_the_renderer(recorder):
    """Even unescaped markup (a template bug) cannot read a file or open a connection."""
    with pytest.raises(FatalURLFetchingError) as err:
        html_to_pdf(f"<html><body><p>x</p>{hostile(recorder.port)}</body></html>", when=WHEN)
    assert isinstance(err.value.__cause__, ForbiddenResource)
    for markup in (f'<img src="http://127.0.0.1:{recorder.port}/i.png">',
                   f'<img src="file://{SECRET}">',
                   f'<style>@import url("http://127.0.0.1:{recorder.port}/a.css");</style>',
                   f'<p style="background: url(http://127.0.0.1:{recorder.port}/b.png)">x</p>'):
        with pytest.raises(FatalURLFetchingError):
            html_to_pdf(f"<html><body>{markup}</body></html>", when=WHEN)
    assert recorder.connections() == []


def test_data_uris_and_our_assets_are_allowed():
    pixel = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
             "+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
    pdf = html_to_pdf(f'<html><head><link rel="stylesheet" href="print.css"></head>'
                      f'<body><img src="{pixel}"><p>Åtgärd</p></body></html>', when=WHEN)
    assert "Åtgärd" in text(pdf)


def test_fetcher_refuses_paths_outside_the_asset_folder(tmp_path):
    assets = tmp_path / "assets"
    assets.mkdir()
    (assets / "ok.css").write_text("p { color: black }")
    outside = tmp_path / "secret.txt"
    outside.write_text("hemligt")
    (assets / "link.css").symlink_to(outside)
    fetcher = SafeURLFetcher(assets)
    assert fetcher.fetch((assets / "ok.css").as_uri()).read() == b"p { color: black }"
    for url in ((assets / "link.css").as_uri(), assets.as_uri() + "/../secret.txt", outside.as_uri(),
                "file://evil.example/" + str(assets / "ok.css"), "http://127.0.0.1/", "ftp://127.0.0.1/x",
                "https://example.org/", "gopher://x"):
        with pytest.raises(ForbiddenResource):
            fetcher.fetch(url)
    assert ASSETS_DIR.name == "assets" and (ASSETS_DIR / "print.css").is_file()


def test_controls_the_default_fetcher_does_reach_out(recorder):
    """Positive control: the very same markup reads the file and connects without our fetcher."""
    pdf = weasyprint.HTML(string=f"<html><body>{hostile(recorder.port)}</body></html>").write_pdf()
    assert "passwd" in attachments(pdf)
    assert recorder.connections() != []
