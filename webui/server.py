"""Run the web application under gunicorn, the production WSGI server, from code."""
from __future__ import annotations

import multiprocessing

from gunicorn.app.base import BaseApplication


class _Server(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from webui import create_app

        return create_app()


def default_workers() -> int:
    return 2 * multiprocessing.cpu_count() + 1


def run_server(host: str, port: int, workers: int | None = None) -> None:
    _Server({
        "bind": f"{host}:{port}",
        "workers": workers or default_workers(),
        "accesslog": "-",
        "errorlog": "-",
        "timeout": 120,
        # Load the app in each worker after fork: engines and connection pools must not be shared.
        "preload_app": False,
    }).run()
