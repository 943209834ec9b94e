"""The Flask application: app factory, one blueprint per module. Thin: parse, call a service, render."""
from __future__ import annotations

from flask import Flask

from kfflow.config import Settings
from kfflow.database import Database
from kfflow.production import check_production
from kfflow.workflow import configure


def create_app(settings: Settings | None = None, *, database: Database | None = None,
               config: dict | None = None) -> Flask:
    settings = settings or Settings.from_env()
    database = database or Database.from_settings(settings)
    # KFFLOW_ENV=production: refuse to serve with a setting that is unsafe on a shared network.
    check_production(settings, database)
    app = Flask(__name__, instance_path=str(settings.instance_path), instance_relative_config=False)
    app.config.update(
        SECRET_KEY=settings.resolve_secret_key(),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        KFFLOW_SETTINGS=settings,
    )
    # Before any blueprint: the id converter applies to routes as they are added.
    from webui import limits
    limits.init_app(app)
    if config:
        app.config.update(config)
    if settings.trusted_proxies:
        # Behind N proxies the client is the Nth address from the right of X-Forwarded-For; the
        # throttle, the logs and secure cookies need that address and scheme, not the proxy's.
        from werkzeug.middleware.proxy_fix import ProxyFix
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    configure(settings.workflows_path)
    app.extensions["kfflow_db"] = database
    # Heavy documents are jobs: run in this process (embedded) or by `kfflow worker` (see kfflow/jobs/queue.py).
    from kfflow.jobs.queue import JobQueue
    app.extensions["kfflow_jobs"] = JobQueue.from_settings(database, settings)

    # First, so that every later hook and log line of a request carries its request id.
    from webui import operations
    operations.init_app(app)

    from webui import db as web_db
    web_db.init_app(app)

    from webui.measures import bp as measures_bp
    app.register_blueprint(measures_bp)

    # reminders (issue 6): the personal calendar feed
    from webui.calendar import bp as calendar_bp
    app.register_blueprint(calendar_bp)

    from webui import filters
    filters.init_app(app)

    # --- web interface: security, Swedish locale, sign-in, pages (see README "Web interface") ---
    from flask_wtf.csrf import CSRFProtect

    from webui import errors, i18n, security
    from webui import auth
    security.init_app(app)
    i18n.init_app(app)
    errors.init_app(app)
    # Every form is protected; the JSON API exempts its blueprint through this instance.
    app.extensions["csrf"] = CSRFProtect(app)
    auth.init_app(app)
    from webui.start import bp as start_bp
    from webui.audits import bp as audits_bp
    from webui.admin import bp as admin_bp
    from webui.accessibility import bp as accessibility_bp
    for blueprint in (start_bp, audits_bp, admin_bp, accessibility_bp):
        app.register_blueprint(blueprint)
    # reminders (issue 6): the in-app list of notifications and the preferences page
    from webui.notifications import bp as notifications_bp
    app.register_blueprint(notifications_bp)
    # Personal named API tokens, for people with no password too (issue 15).
    from webui.api_keys import bp as api_keys_bp
    app.register_blueprint(api_keys_bp)
    # Import (upload, preview, confirm) and export of measures (issue 7).
    from webui.imports import bp as imports_bp
    app.register_blueprint(imports_bp)
    from webui.jobs import bp as jobs_bp
    app.register_blueprint(jobs_bp)
    from webui.secrecy import bp as secrecy_bp
    app.register_blueprint(secrecy_bp)
    # Evidence files (issue 13): their download, and the request limit of the routes that take them.
    from webui import evidence
    evidence.init_app(app)

    # The JSON API (/api/v1); exempts itself from CSRF when CSRFProtect is installed.
    from webui import api
    api.init_app(app)
    return app
