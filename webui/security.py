"""Cookie flags and the security headers every response carries."""
from __future__ import annotations

from flask import request
from flask.sessions import SecureCookieSessionInterface

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class _SessionInterface(SecureCookieSessionInterface):
    """Secure cookie flag: always when KFFLOW_COOKIE_SECURE=1, never when 0, and by default
    whenever the request itself came over HTTPS (so `make run` on plain http://127.0.0.1 works)."""

    def get_cookie_secure(self, app) -> bool:
        mode = app.config.get("KFFLOW_COOKIE_SECURE", "auto")
        if mode == "auto":
            return request.is_secure
        return bool(mode)


def _add_headers(response):
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    # Pages show personal work lists: never keep them in a shared cache.
    if response.mimetype == "text/html":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def init_app(app) -> None:
    app.config.setdefault("KFFLOW_COOKIE_SECURE", app.config["KFFLOW_SETTINGS"].cookie_secure)
    app.session_interface = _SessionInterface()
    app.after_request(_add_headers)
