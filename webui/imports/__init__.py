"""Measures in and out of spreadsheets: the upload page (report or preview, then confirm) and the
export of the measure list's filtered set."""
from flask import Blueprint

bp = Blueprint("imports", __name__, template_folder="templates")

from webui.imports import views  # noqa: E402,F401  (routes register on import)
