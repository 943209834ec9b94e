from __future__ import annotations

from flask import abort, render_template, request
from sqlalchemy import func, select

from kfflow.models import Measure
from kfflow.services.cases import history_of
from webui.db import get_session
from webui.measures import bp

PAGE_SIZE = 50


@bp.route("/")
@bp.route("/atgarder")
def measure_list():
    session = get_session()
    page = max(request.args.get("sida", 1, type=int), 1)
    total = session.scalar(select(func.count(Measure.id)))
    measures = session.scalars(select(Measure).order_by(Measure.id)
                               .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return render_template("measures/list.html", measures=measures, total=total, page=page,
                           pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1))


@bp.route("/atgarder/<int:measure_id>")
def measure_page(measure_id: int):
    session = get_session()
    measure = session.get(Measure, measure_id)
    if measure is None:
        abort(404)
    return render_template("measures/page.html", measure=measure, history=history_of(session, measure))
