"""Run the web application under gunicorn, the production WSGI server, from code (`kfflow serve`)."""
from __future__ import annotations

import logging
import multiprocessing
import os
import shutil
import tempfile

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

from kfflow.config import Settings
from kfflow.logs import RequestIdFilter, configure_logging, make_formatter


class AccessLogger(Logger):
    """gunicorn's logs in kfflow's format (JSON in production), one access record per request with its
    request id and without secrets: the formatter redacts calendar tokens in the path and the like."""

    def setup(self, cfg):
        super().setup(cfg)
        settings = Settings.from_env()
        configure_logging(settings)  # the app's own log too, when gunicorn is started without `kfflow serve`
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(make_formatter(settings))
                handler.addFilter(RequestIdFilter())

    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        atoms = self.atoms(resp, req, environ, request_time)
        path = req.path + (f"?{req.query}" if req.query else "")
        self.access_log.info("%s %s %s", req.method, path, atoms["s"], extra={
            "request_id": atoms.get("{x-request-id}o") or "-",
            "method": req.method, "path": path, "status": atoms["s"], "bytes": atoms["B"],
            "duration_ms": round(request_time.total_seconds() * 1000, 1),
            "remote_addr": atoms["h"], "user_agent": atoms["a"],
        })


def _child_exit(_server, worker):
    """A dead worker's live gauges leave the multiprocess metrics (prometheus-client's gunicorn recipe)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


class _Server(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from webui import create_app

        app = create_app()
        settings = app.config["KFFLOW_SETTINGS"]
        if settings.scheduler_mode == "embedded":
            # The embedded default sweeps reminders inside the served app; one worker process leads.
            from kfflow.reminders.scheduler import start_embedded_scheduler

            start_embedded_scheduler(app.extensions["kfflow_db"], settings)
        return app


def default_workers() -> int:
    return 2 * multiprocessing.cpu_count() + 1


def run_server(settings: Settings, host: str, port: int, workers: int | None = None) -> None:
    # Metrics of all workers are summed from files in one folder; it must be set before prometheus-client is
    # imported anywhere, and start empty.
    metrics_dir = None
    if settings.prometheus_multiproc_dir is None:
        metrics_dir = tempfile.mkdtemp(prefix="kfflow-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    logging.getLogger("kfflow.server").info("serving on %s:%s", host, port)
    try:
        _Server({
            "bind": f"{host}:{port}",
            "workers": workers or default_workers(),
            "accesslog": "-",
            "errorlog": "-",
            "logger_class": AccessLogger,
            "child_exit": _child_exit,
            "timeout": 120,
            # gunicorn's control socket is one fixed path per user: two nodes on one host would share it.
            "control_socket_disable": True,
            # Load the app in each worker after fork: engines and connection pools must not be shared.
            "preload_app": False,
        }).run()
    finally:
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)
