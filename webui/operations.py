"""For load balancers and monitoring: /healthz, /readyz, /metrics; and a request id on every request.

/healthz answers while the process can answer at all; /readyz runs kfflow's readiness checks (database,
migrations at head, and whatever else registered one) and answers 503 naming the failing ones; /metrics is the
Prometheus text format: request latency by route from every gunicorn worker (prometheus-client's multiprocess
mode, set up by `kfflow serve`) plus gauges read from the database at scrape time.
"""
from __future__ import annotations

import hmac
import re
import time
import uuid

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request

from kfflow.logs import REQUEST_ID
from kfflow.operations import DatabaseCollector, check_readiness

bp = Blueprint("operations", __name__)

REQUEST_ID_HEADER = "X-Request-ID"
# An id from a proxy is kept when it is a plain token; anything else (log injection, huge values) is replaced.
_REQUEST_ID_SHAPE = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_METRICS = {}
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def _request_metrics():
    """Created on first use, after `kfflow serve` chose prometheus-client's multiprocess folder."""
    if not _METRICS:
        from prometheus_client import Histogram

        _METRICS["latency"] = Histogram(
            "kfflow_http_request_duration_seconds", "Time to answer a request, by route template",
            ["method", "route", "status"])
    return _METRICS


def _start_request():
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = incoming if _REQUEST_ID_SHAPE.fullmatch(incoming) else uuid.uuid4().hex
    g.request_id_token = REQUEST_ID.set(g.request_id)
    g.request_started = time.perf_counter()


def _finish_request(response: Response) -> Response:
    request_id = g.get("request_id")
    if request_id:
        response.headers[REQUEST_ID_HEADER] = request_id
    started = g.get("request_started")
    if started is not None:
        # The route template, never the URL: /kalender/<token>.ics must not become a label.
        route = request.url_rule.rule if request.url_rule is not None else "<unmatched>"
        method = request.method if request.method in _METHODS else "other"  # labels stay bounded
        _request_metrics()["latency"].labels(method, route, str(response.status_code)).observe(
            time.perf_counter() - started)
    return response


def _end_request(_exc=None):
    token = g.pop("request_id_token", None)
    if token is not None:
        try:
            REQUEST_ID.reset(token)
        except ValueError:  # torn down in another context (a streamed response): just clear it
            REQUEST_ID.set(None)


def _settings():
    return current_app.config["KFFLOW_SETTINGS"]


def _database():
    return current_app.extensions["kfflow_db"]


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    results = check_readiness(_database(), _settings())
    ready = all(r.ok for r in results)
    body = {"status": "ready" if ready else "unavailable",
            "checks": {r.name: {"ok": r.ok, **({"detail": r.detail} if r.detail else {})} for r in results}}
    if not ready:
        body["failing"] = [r.name for r in results if not r.ok]
    return jsonify(body), 200 if ready else 503


@bp.get("/metrics")
def metrics():
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
    from prometheus_client.multiprocess import MultiProcessCollector

    token = _settings().metrics_token
    if token is not None:
        given = request.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token.get_secret_value()}".encode()):
            return Response("unauthorized\n", status=401, mimetype="text/plain",
                            headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
    _request_metrics()
    from_db = CollectorRegistry(auto_describe=False)
    from_db.register(DatabaseCollector(_database(), _settings()))
    if _settings().prometheus_multiproc_dir is not None:
        processes = CollectorRegistry()
        MultiProcessCollector(processes)
        own = generate_latest(processes)
    else:
        own = generate_latest(REGISTRY)
    return Response(own + generate_latest(from_db), content_type=CONTENT_TYPE_LATEST,
                    headers={"Cache-Control": "no-store"})


def init_app(app: Flask) -> None:
    """Call first in create_app, so that every later hook and log line sees the request id."""
    app.before_request(_start_request)
    app.after_request(_finish_request)
    app.teardown_request(_end_request)
    app.register_blueprint(bp)
