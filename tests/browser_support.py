"""A real server on a free loopback port and Debian's Chromium driven by Playwright.

Browser tests run on SQLite only: the server shares nothing with the per-test PostgreSQL fixtures,
and what they check (pages, forms, accessibility) does not depend on the database. Without Chromium
or axe-core they skip with the reason shown; under CI=true they fail instead.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from kfflow.config import PROJECT_ROOT, Settings
from kfflow.database import Database
from kfflow.models import Base
from tests.conftest import IN_CI, WORKFLOWS_PATH
from tests.web_support import ServedApp

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
AXE_JS = PROJECT_ROOT / "tests" / ".node" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = PROJECT_ROOT / "test-artifacts"


def require(path: str | Path, what: str) -> None:
    if not Path(path).exists():
        message = f"{what} is missing at {path}"
        if IN_CI:
            pytest.fail(message + " (CI=true: browser tests must run)")
        pytest.skip(message)


class LiveServer(ServedApp):
    """The app under werkzeug's server in a thread, on an SQLite file."""

    def __init__(self, folder: Path, **settings_changes):
        url = f"sqlite:///{folder / 'browser.sqlite'}"
        engine = create_engine(url)
        Base.metadata.create_all(engine)
        engine.dispose()
        self.database = Database.connect(url)
        settings = Settings(instance_path=folder / "instance", database_url=url, workflows_path=WORKFLOWS_PATH,
                            secret_key="browser-test-secret-key", **settings_changes)
        from webui import create_app

        super().__init__(create_app(settings, database=self.database))

    def __exit__(self, *exc) -> None:
        super().__exit__(*exc)
        self.database.dispose()


def launch(playwright):
    require(CHROMIUM, "Chromium (Debian package chromium)")
    if shutil.which(CHROMIUM) is None:
        pytest.fail(f"{CHROMIUM} is not executable")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
