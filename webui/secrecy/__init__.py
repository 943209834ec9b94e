"""Marking a case, a progress report or a registered document as covered by secrecy (OSL), and lifting it."""
from flask import Blueprint

bp = Blueprint("secrecy", __name__, template_folder="templates")

from webui.secrecy import views  # noqa: E402,F401  (routes register on import)
