from __future__ import annotations

from flask import flash, redirect, render_template, request
from flask_babel import gettext as _

from kfflow.errors import ValidationError
from kfflow.services import secrecy
from webui.auth import current_actor
from webui.db import get_session
from webui.secrecy import bp


def _render(subject: str, subject_id: int, status: int = 200, **extra):
    page = secrecy.marking_page(get_session(), current_actor(), subject, subject_id)
    context = dict(page=page, values={}, errors={}, message=None, lift_values={}, lift_errors={})
    context.update(extra)
    return render_template("secrecy/marking.html", **context), status


@bp.route("/sekretess/<subject>/<int:subject_id>")
def marking(subject: str, subject_id: int):
    return _render(subject, subject_id)


@bp.route("/sekretess/<subject>/<int:subject_id>", methods=["POST"])
def mark(subject: str, subject_id: int):
    values = request.form.to_dict()
    try:
        done = secrecy.mark(get_session(), current_actor(), subject, subject_id, ground=values.get("ground"),
                            reason=values.get("reason"))
    except ValidationError as exc:
        return _render(subject, subject_id, 422, values=values, errors=exc.fields, message=exc.message)
    flash(_("Uppgiften är sekretessmarkerad (%(ground)s).", ground=done.ground), "success")
    return redirect(secrecy.case_url(get_session(), subject, subject_id))


@bp.route("/sekretess/<subject>/<int:subject_id>/hav", methods=["POST"])
def lift(subject: str, subject_id: int):
    values = request.form.to_dict()
    try:
        secrecy.unmark(get_session(), current_actor(), subject, subject_id, reason=values.get("reason"))
    except ValidationError as exc:
        return _render(subject, subject_id, 422, lift_values=values, lift_errors=exc.fields, message=exc.message)
    flash(_("Sekretessmarkeringen är borttagen."), "success")
    return redirect(secrecy.case_url(get_session(), subject, subject_id))
