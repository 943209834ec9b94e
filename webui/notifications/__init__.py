"""The in-app list of a user's reminders, and their reminder preferences and calendar feed
(issue 6; the sweep and the mails live in kfflow.reminders)."""
from flask import Blueprint

bp = Blueprint("notifications", __name__, template_folder="templates")

from webui.notifications import views  # noqa: E402,F401  (routes register on import)
