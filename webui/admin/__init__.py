"""Administration: users, roles and bodies (admin only)."""
from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")

from webui.admin import views  # noqa: E402,F401  (routes register on import)
