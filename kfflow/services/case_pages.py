"""What a case's page shows, read in one call: the case, what the actor may do now (its transitions and the
other actions of its lifecycle file), its history as people read it, and what that kind's page adds (comments
and due-date revisions; registered documents; people)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from kfflow.clock import local_today
from kfflow.services.access import Offer, available_actions
from kfflow.errors import NotFound
from kfflow.services.cases import available_transitions, history_of, read_case, transition_for
from kfflow.services.comments import comments_on
from kfflow.services.documents import registered_documents
from kfflow.services.evidence import attachments_of
from kfflow.services.indicators import indicator_statuses, may_follow_up
from kfflow.services.secrecy import SecrecyLens, lens
from kfflow.services.timeline import TimelineItem, due_date_revisions, timeline
from kfflow.services.users import Person, active_people
from kfflow.workflow import get_workflows
from kfflow.workflow.definition import TransitionDef


@dataclass
class CasePage:
    case: object
    offer: Offer                   # `"edit" in page.offer`; `page.offer.transitions`
    history: list[TimelineItem]
    today: date

    @property
    def transitions(self) -> tuple:
        return self.offer.transitions

    revisions: list[TimelineItem] = field(default_factory=list)   # due-date changes with their reasons
    comments: list = field(default_factory=list)
    records: list = field(default_factory=list)                    # registered documents (audits)
    people: list[Person] = field(default_factory=list)             # whom the page's user pickers offer
    indicators: list = field(default_factory=list)                 # IndicatorStatus per indicator (measures)
    may_follow_up: bool = False                                    # may add indicators and measurements
    secrecy: SecrecyLens | None = None                             # how this reader meets marked content
    attachments: list = field(default_factory=list)                # evidence files (AttachmentInfo), oldest first


def _case_page(session: Session, actor, kind: str, case_id: int) -> CasePage:
    """The case as this reader may see it: what secrecy covers reads as the notice (kfflow.services.secrecy)."""
    case = read_case(session, kind, case_id)
    seen = lens(session, actor)
    attachments = seen.view(attachments_of(session, kind, case_id), "attachment", case=(kind, case_id))
    history = timeline(case, seen.history(case, history_of(session, case)), attachments)
    page = CasePage(seen.view(case), available_actions(actor, case), history, local_today(), secrecy=seen,
                    attachments=attachments)
    page.comments = seen.comments(case, comments_on(session, case))
    return page


def measure_page(session: Session, actor, measure_id: int) -> CasePage:
    page = _case_page(session, actor, "measure", measure_id)
    page.revisions = due_date_revisions(page.history)
    # An indicator's name and a measurement's source say what the measure is about: hidden with it.
    page.indicators = [] if page.case.masked else indicator_statuses(session, measure_id, today=page.today)
    page.may_follow_up = may_follow_up(actor, page.case)
    return page


def audit_page(session: Session, actor, audit_id: int) -> CasePage:
    page = _case_page(session, actor, "audit", audit_id)
    page.records = page.secrecy.view(registered_documents(session, actor, audit_id), "document")
    return page


def recommendation_page(session: Session, actor, rec_id: int) -> CasePage:
    page = _case_page(session, actor, "recommendation", rec_id)
    page.people = active_people(session)
    return page


@dataclass(frozen=True)
class TransitionPage:
    """The form for one transition: the case, the transition `fire` would run, whether the actor may fire it now,
    and whom its user pickers offer."""
    case: object
    transition: TransitionDef
    available: bool
    people: list[Person]
    indicators: list = field(default_factory=list)  # IndicatorStatus per indicator, shown with an evaluation


def transition_page(session: Session, actor, kind: str, case_id: int, trigger: str) -> TransitionPage:
    """NotFound when the case's lifecycle has no transition `trigger`. A step into a state tagged `evaluated`
    brings the case's indicators, so that whoever assesses the effect sees where each stands against its target."""
    case = read_case(session, kind, case_id)
    transition = transition_for(case, trigger)
    if transition is None:
        raise NotFound(f"Steget ”{trigger}” finns inte för det här ärendet.")
    available = any(t.trigger == trigger for t in available_transitions(actor, case))
    lifecycle = get_workflows().get(case.workflow_name, case.workflow_version)
    evaluates = kind == "measure" and lifecycle.has_tag(transition.dest, "evaluated")
    return TransitionPage(case, transition, available, active_people(session),
                          indicator_statuses(session, case_id) if evaluates else [])
