"""The lägesbild pages: the live picture with its filters and charts, "Frys lägesbild", and frozen ones."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for

from kfflow.errors import ValidationError
from kfflow.services.access import may
from kfflow.services.lagesbild import lagesbild as lagesbild_service
from kfflow.services.lagesbild import parse_filter
from kfflow.services.lagesbild_snapshots import freeze_lagesbild, list_snapshots, previous_snapshot, read_snapshot, trend
from kfflow.workflow import get_workflows
from webui.auth import current_actor
from webui.db import get_session
from webui.measures import bp


def _page(template: str, status: int = 200, **context):
    workflows = get_workflows()
    return render_template(template, states=workflows.current("measure").states,
                           groups=workflows.vocabulary("working_groups"),
                           labels={"by_category": {o.value: o.label for o in workflows.vocabulary("categories")},
                                   "by_working_group": {o.value: o.label for o in workflows.vocabulary("working_groups")},
                                   "by_strategic_area": {o.value: o.label
                                                         for o in workflows.vocabulary("strategic_areas")}},
                           may_freeze=may(current_actor(), "freeze_lagesbild", kind="measure"), **context), status


@bp.route("/lagesbild")
def lagesbild():
    """The steering group's overview; bad filters re-render the form with a message per field (422)."""
    session = get_session()
    values = {"as_of": request.args.get("as_of", ""), "working_group": request.args.get("working_group", "")}
    errors, message, status = {}, None, 200
    try:
        scope = parse_filter(values)
    except ValidationError as exc:
        errors, message, status = exc.fields, exc.message, 422
        scope = parse_filter({})
    view = lagesbild_service(session, as_of=scope.as_of, working_group=scope.working_group)
    return _page("measures/lagesbild.html", status, view=view, values=values, errors=errors, message=message,
                 trend=trend(view, previous_snapshot(session, scope.working_group)), frozen=None)


@bp.route("/lagesbild/frys", methods=["POST"])
def freeze():
    """"Frys lägesbild": today's numbers, for the working group in the form or all."""
    snapshot = freeze_lagesbild(get_session(), current_actor(), working_group=request.form.get("working_group") or None)
    return redirect(url_for("measures.snapshot", snapshot_id=snapshot.id), 303)


@bp.route("/lagesbild/frysta")
def snapshots():
    return _page("measures/lagesbild_snapshots.html", snapshots=list_snapshots(get_session()))


@bp.route("/lagesbild/frysta/<int:snapshot_id>")
def snapshot(snapshot_id: int):
    frozen = read_snapshot(get_session(), snapshot_id)
    return _page("measures/lagesbild.html", view=frozen.view, trend=frozen.trend, frozen=frozen.snapshot,
                 values={}, errors={}, message=None)
