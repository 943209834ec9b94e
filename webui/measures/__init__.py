"""Measures: the list with filters and bulk handover, one measure's page, proposing and editing."""
from flask import Blueprint

bp = Blueprint("measures", __name__, template_folder="templates")

from webui.measures import lagesbild, views  # noqa: E402,F401  (routes register on import)
