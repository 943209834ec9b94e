"""The API-nycklar page: a person's own named API tokens, which need no password (issue 15)."""
from flask import Blueprint

bp = Blueprint("api_keys", __name__, template_folder="templates")

from webui.api_keys import views  # noqa: E402,F401  (routes register on import)
