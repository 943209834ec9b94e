"""Start page, "Mina uppgifter": what waits for the signed-in user (read model: kfflow.services.start_page)."""
from __future__ import annotations

from flask import Blueprint, render_template

from kfflow.services.start_page import start_page
from webui.auth import current_actor
from webui.db import get_session

bp = Blueprint("start", __name__, template_folder="templates")


@bp.route("/")
def index():
    page = start_page(get_session(), current_actor())
    return render_template("start/index.html", my_measures=page.my_measures, waiting=page.waiting,
                           answers=page.answers, today=page.today)
