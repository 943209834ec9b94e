"""Logging for every kfflow process: text for people or JSON lines for a log pipeline, each record with the
request id of the web request it belongs to, and secrets redacted from whatever ends up in the output.

Redaction works on the formatted line (message, arguments, traceback and extra fields alike), so a token that
reaches a log through a library's message, an exception or gunicorn's access log is caught all the same.
"""
from __future__ import annotations

import contextvars
import logging
import re
import sys

from kfflow.config import Settings

# Set by the web layer for the duration of a request (X-Request-ID honoured or generated).
REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("kfflow_request_id", default=None)
REDACTED = "[REDACTED]"
QUIET_LOGGERS = ("weasyprint.progress", "fontTools", "alembic.runtime.plugins")

_SECRETS = [
    # The calendar feed's secret is its path: /kalender/<token>.ics
    (re.compile(r"(/kalender/)[^/\s?#\"'\\]+?(\.ics)"), rf"\g<1>{REDACTED}\g<2>"),
    # Bearer tokens in an Authorization header quoted in a message
    (re.compile(r"(?i)(\bbearer\s+)[A-Za-z0-9._~+/=-]+"), rf"\g<1>{REDACTED}"),
    # A password in a URL's userinfo: smtp://user:password@host, postgresql://user:password@host
    (re.compile(r"(\b[a-z][a-z0-9+.-]*://[^/\s:@\"']*:)[^@\s/\"']+@"), rf"\g<1>{REDACTED}@"),
    # token=, access_token=, password=, secret= in query strings and key=value messages
    (re.compile(r"(?i)(\b(?:[a-z_]*token|password|passwd|secret|api_key)=)[^&\s\"'\\]+"), rf"\g<1>{REDACTED}"),
]


def redact(text: str) -> str:
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = REQUEST_ID.get() or "-"
        return True


class RedactingFormatter(logging.Formatter):
    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def _json_formatter() -> logging.Formatter:
    from pythonjsonlogger.json import JsonFormatter

    class RedactingJsonFormatter(JsonFormatter):
        def format(self, record: logging.LogRecord) -> str:
            return redact(super().format(record))

    return RedactingJsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
                                  rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                                  datefmt="%Y-%m-%dT%H:%M:%S%z")


def make_formatter(settings: Settings) -> logging.Formatter:
    return _json_formatter() if settings.json_logs else RedactingFormatter()


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (click's test runner swaps it)."""

    def __init__(self):
        super().__init__(sys.stderr)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        pass


def make_handler(settings: Settings, stream=None) -> logging.Handler:
    handler = logging.StreamHandler(stream) if stream is not None else _StderrHandler()
    handler.setFormatter(make_formatter(settings))
    handler.addFilter(RequestIdFilter())
    return handler


def configure_logging(settings: Settings, stream=None) -> None:
    """One handler on the root logger (replacing any earlier one of ours), at KFFLOW_LOG_LEVEL."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_kfflow", False)]:
        root.removeHandler(old)
    handler = make_handler(settings, stream)
    handler._kfflow = True
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    # Chatty at INFO for reasons an operator never needs (CSS parsing progress, Alembic plug-ins).
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
