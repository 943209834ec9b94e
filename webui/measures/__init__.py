"""Measures: the list and one measure's page."""
from flask import Blueprint

bp = Blueprint("measures", __name__, template_folder="templates")

from webui.measures import views  # noqa: E402,F401  (routes register on import)
