"""Start page, "Mina uppgifter": what waits for the signed-in user."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, render_template
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from kfflow.clock import local_today
from kfflow.models import Audit, Measure, Recommendation
from kfflow.services.audits import ANSWER_FROZEN_STATES
from kfflow.services.cases import available_transitions
from kfflow.workflow import get_workflows
from webui.auth import current_actor
from webui.db import get_session

bp = Blueprint("start", __name__, template_folder="templates")

SOON = timedelta(days=14)
WAITING_LIMIT = 50
def _forward(wf, t, source: str) -> bool:
    """A transition that moves the case on, which the role itself is there to take.

    Transitions open to a relation (the owner implements, the proposer withdraws) wait for that
    person, not for the role; going back (reopen) or staying (reassign) is nobody's pending work."""
    order = list(wf.states)
    return t.dest is not None and t.relation is None and order.index(t.dest) > order.index(source)


def _waiting_states(workflow_name: str, role: str) -> list[str]:
    wf = get_workflows().current(workflow_name)
    return [s for s in wf.states
            if any(role in t.roles and _forward(wf, t, s) for t in wf.transitions_from(s))]


def waiting_for(session, actor) -> list[tuple[object, list]]:
    """Cases where this user's role may take a forward step now, with those steps."""
    found = []
    for model in (Measure, Recommendation):
        states = _waiting_states(model.case_kind, actor.role)
        if not states:
            continue
        cases = session.scalars(select(model).where(model.state.in_(states))
                                .order_by(model.updated_at).limit(WAITING_LIMIT))
        for case in cases:
            wf = get_workflows().get(case.workflow_name, case.workflow_version)
            steps = [t for t in available_transitions(actor, case)
                     if _forward(wf, wf.find(t.trigger, case.state), case.state)]
            if steps:
                found.append((case, steps))
    return found


@bp.route("/")
def index():
    session = get_session()
    actor = current_actor()
    today = local_today()
    my_measures = session.scalars(
        select(Measure).where(Measure.owner_id == actor.id, Measure.state == "decided",
                              Measure.due_date.is_not(None), Measure.due_date <= today + SOON)
        .order_by(Measure.due_date)).all()
    answers = (select(Recommendation).join(Audit)
               .where(Recommendation.state.not_in(ANSWER_FROZEN_STATES), Audit.response_due.is_not(None),
                      Audit.response_due <= today + SOON)
               .options(selectinload(Recommendation.audit))
               .order_by(Audit.response_due, Recommendation.number))
    if actor.role not in ("registrar", "steering"):
        answers = answers.where(Recommendation.owner_id == actor.id)
    return render_template("start/index.html", my_measures=my_measures, waiting=waiting_for(session, actor),
                           answers=session.scalars(answers).all(), today=today)
