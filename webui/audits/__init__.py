"""Audits (granskningar), their recommendations and the answers to them."""
from flask import Blueprint

bp = Blueprint("audits", __name__, template_folder="templates")

from webui.audits import views  # noqa: E402,F401  (routes register on import)
