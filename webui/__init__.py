"""The Flask application: app factory, one blueprint per module. Thin: parse, call a service, render."""
from __future__ import annotations

from flask import Flask

from kfflow.config import Settings
from kfflow.database import Database
from kfflow.workflow import configure


def create_app(settings: Settings | None = None, *, database: Database | None = None,
               config: dict | None = None) -> Flask:
    settings = settings or Settings.from_env()
    app = Flask(__name__, instance_path=str(settings.instance_path), instance_relative_config=False)
    app.config.update(
        SECRET_KEY=settings.resolve_secret_key(),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        KFFLOW_SETTINGS=settings,
    )
    if config:
        app.config.update(config)
    configure(settings.workflows_path)
    app.extensions["kfflow_db"] = database or Database.from_settings(settings)

    from webui import db as web_db
    web_db.init_app(app)

    from webui.measures import bp as measures_bp
    app.register_blueprint(measures_bp)

    # Formal documents (yttrande, delrapport, slutredovisning) under /api/v1.
    from webui.documents import bp as documents_bp
    app.register_blueprint(documents_bp)

    from webui import filters
    filters.init_app(app)

    # The JSON API (/api/v1); exempts itself from CSRF when CSRFProtect is installed.
    from webui import api
    api.init_app(app)
    return app
