"""The start page, "Mina uppgifter": what waits for the signed-in user, read in one place for every front end."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kfflow.clock import local_today
from kfflow.kinds import KINDS, CaseKind
from kfflow.models import Audit, Measure, Recommendation, User
from kfflow.services.secrecy import SecrecyLens
from kfflow.services.access import available_transitions, may, workflow_of
from kfflow.workflow import get_workflows

SOON = timedelta(days=14)
WAITING_LIMIT = 50


@dataclass(frozen=True)
class WaitingCase:
    """A case a role may move on now, with the steps it may take."""
    kind: CaseKind
    case: object
    title: str
    steps: list

    @property
    def url(self) -> str:
        return self.kind.web_url(self.case.id)


@dataclass(frozen=True)
class StartPage:
    today: date
    my_measures: list[Measure]        # the user's measures that can be late (`can_be_late`) due within SOON
    waiting: list[WaitingCase]
    answers: list[Recommendation]     # answers due within SOON (the user's own without `follow_answers`)


def _forward(wf, t, source: str) -> bool:
    """A transition that moves the case on, which the role itself is there to take.

    Transitions open to a relation (the owner implements, the proposer withdraws) wait for that
    person, not for the role; going back (reopen) or staying (reassign) is nobody's pending work."""
    order = list(wf.states)
    return t.dest is not None and t.relation is None and order.index(t.dest) > order.index(source)


def _waiting_states(wf, actor: User) -> list[str]:
    """States where the actor's role (not a relation) may take a forward step."""
    return [s for s in wf.states
            if any(_forward(wf, t, s) and may(actor, t.trigger, kind=wf.name) for t in wf.transitions_from(s))]


def waiting_for(session: Session, actor: User) -> list[WaitingCase]:
    """Cases of every kind the start page lists where this user's role may take a forward step now."""
    seen = SecrecyLens(session, actor)  # a marked case's title reads as the notice
    found = []
    for kind in KINDS.values():
        if not kind.waits_on_start_page:
            continue
        states = _waiting_states(get_workflows().current(kind.workflow), actor)
        if not states:
            continue
        cases = session.scalars(select(kind.model).where(kind.model.state.in_(states))
                                .order_by(kind.model.updated_at).limit(WAITING_LIMIT))
        for case in cases:
            wf = workflow_of(case)
            steps = [t for t in available_transitions(actor, case)
                     if _forward(wf, wf.find(t.trigger, case.state), case.state)]
            if steps:
                found.append(WaitingCase(kind, case, seen.title(kind.name, case.id, kind.title(case)), steps))
    return found


def start_page(session: Session, actor: User) -> StartPage:
    today = local_today()
    workflows = get_workflows()
    my_measures = session.scalars(
        select(Measure).where(Measure.owner_id == actor.id,
                              Measure.state.in_(workflows.current("measure").tagged("can_be_late")),
                              Measure.due_date.is_not(None), Measure.due_date <= today + SOON)
        .order_by(Measure.due_date)).all()
    answers = (select(Recommendation).join(Audit)
               .where(Recommendation.state.in_(workflows.current("recommendation").tagged("can_be_late")),
                      Audit.response_due.is_not(None),
                      Audit.response_due <= today + SOON)
               .options(selectinload(Recommendation.audit))
               .order_by(Audit.response_due, Recommendation.number))
    if not may(actor, "follow_answers", kind="recommendation"):
        answers = answers.where(Recommendation.owner_id == actor.id)
    seen = SecrecyLens(session, actor)
    return StartPage(today=today, my_measures=seen.view(list(my_measures), "measure"),
                     waiting=waiting_for(session, actor),
                     answers=seen.view(list(session.scalars(answers)), "recommendation"))
