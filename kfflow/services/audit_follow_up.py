"""The follow-up of an audit ("Uppföljning av granskning"): for each recommendation the answer given and where
each promised measure stands now, with flags — a promised measure late, no measure, a measure rejected or
withdrawn after the answer — and whether an earlier audit already made the same recommendation.

One read model for the page, the API and the PDF, so the three cannot disagree. Who may see it is the
`view_follow_up` action in workflows/audit.yaml; what is flagged and when a recommendation recurs is
workflows/follow_up.yaml. A handful of queries whatever the number of recommendations.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kfflow.clock import local_today
from kfflow.db import utcnow
from kfflow.documents.uppfoljning import follow_up_data, follow_up_pdf
from kfflow.errors import NotFound
from kfflow.models import Audit, HistoryEntry, Measure, ProgressReport, Recommendation, RecommendationMeasure
from kfflow.services._common import _storable_id, load_actor
from kfflow.services.access import require, workflow_of
from kfflow.services.documents import PDF, RenderedDocument, file_stem, organisation_name
from kfflow.services.indicators import IndicatorStatus, indicator_statuses_by_measure
from kfflow.services.recurring import best_match, follow_up_rules
from kfflow.workflow import get_workflows, is_late

# What each flag says; the code is what the API carries.
FLAG_LABELS = {
    "late": "Utlovad åtgärd är försenad",
    "no_measure": "Ingen åtgärd",
    "dropped": "Åtgärd avslagen eller återkallad efter svaret",
}


@dataclass(frozen=True)
class Flag:
    code: str                      # late, no_measure, dropped (FLAG_LABELS)
    measure_id: int | None = None  # the measure it is about (late, dropped)
    detail: str | None = None      # the reason for no measure; which measure and when

    @property
    def label(self) -> str:
        return FLAG_LABELS[self.code]


@dataclass(frozen=True)
class PromisedMeasure:
    id: int
    title: str
    state: str
    state_label: str
    due_date: date | None
    late: bool                               # the one meaning of late (`can_be_late` in measure.yaml)
    latest_progress: ProgressReport | None
    effect: str | None
    effect_label: str | None
    indicators: list[IndicatorStatus]        # latest value against the target, stale or not


@dataclass(frozen=True)
class RecurringOf:
    """The earlier audit's recommendation this one resembles."""
    audit_id: int
    audit_name: str
    audit_number: str
    recommendation_id: int
    number: int
    text: str
    score: float


@dataclass(frozen=True)
class FollowedRecommendation:
    id: int
    number: int
    text: str
    answer: str | None
    no_measure_reason: str | None
    state: str
    state_label: str
    answer_adopted_at: datetime | None       # when the answer was adopted (the recommendation's or the audit's)
    recurring_of: RecurringOf | None
    flags: list[Flag]
    measures: list[PromisedMeasure]


@dataclass(frozen=True)
class AuditFollowUp:
    audit: Audit
    as_of: date
    recommendations: list[FollowedRecommendation] = field(default_factory=list)

    @property
    def audit_id(self) -> int:
        return self.audit.id

    def flag_count(self, code: str) -> int:
        return sum(1 for r in self.recommendations for f in r.flags if f.code == code)

    @property
    def recurring_count(self) -> int:
        return sum(1 for r in self.recommendations if r.recurring_of is not None)


def _adoption_times(session: Session, audit: Audit) -> dict[int | None, datetime]:
    """When each recommendation's answer was adopted (key: its id) and when the audit's yttrande was (key: None):
    the first history entry that moved the case into a state its lifecycle tags `adopted`."""
    workflows = get_workflows()
    found: dict[int | None, datetime] = {}
    rec_ids = [r.id for r in audit.recommendations]
    entries = session.execute(
        select(HistoryEntry.case_kind, HistoryEntry.case_id, HistoryEntry.from_state, HistoryEntry.to_state,
               HistoryEntry.workflow_version, HistoryEntry.at)
        .where(((HistoryEntry.case_kind == "audit") & (HistoryEntry.case_id == audit.id))
               | ((HistoryEntry.case_kind == "recommendation") & HistoryEntry.case_id.in_(rec_ids)))
        .order_by(HistoryEntry.at, HistoryEntry.id))
    for kind, case_id, from_state, to_state, version, at in entries:
        wf = workflows.get(kind, version) if version else workflows.current(kind)
        if wf.has_tag(to_state, "adopted") and not wf.has_tag(from_state, "adopted"):
            found.setdefault(None if kind == "audit" else case_id, at)
    return found


def _dropped_at(session: Session, measures: list[Measure], dropped_states: tuple[str, ...]) -> dict[int, datetime]:
    """When each measure now in a dropped state entered it (its latest such history entry)."""
    ids = [m.id for m in measures if m.state in dropped_states]
    if not ids:
        return {}
    found: dict[int, datetime] = {}
    for case_id, at in session.execute(
            select(HistoryEntry.case_id, HistoryEntry.at)
            .where(HistoryEntry.case_kind == "measure", HistoryEntry.case_id.in_(ids),
                   HistoryEntry.to_state.in_(dropped_states))
            .order_by(HistoryEntry.at, HistoryEntry.id)):
        found[case_id] = at
    return found


def _latest_progress(session: Session, ids: list[int]) -> dict[int, ProgressReport]:
    latest: dict[int, ProgressReport] = {}
    if ids:
        for report in session.scalars(select(ProgressReport).where(ProgressReport.measure_id.in_(ids))
                                      .order_by(ProgressReport.reported_on, ProgressReport.id)):
            latest[report.measure_id] = report
    return latest


def _sort_day(audit) -> date:
    return audit.received or local_today(audit.created_at)


def _earlier_recommendations(session: Session, audit: Audit) -> dict[int, tuple]:
    """Recommendations of audits received before this one (by received date, else registration; ties by id):
    id → (text, audit id, audit name, audit number, number)."""
    rows = session.execute(select(Recommendation.id, Recommendation.text, Recommendation.number, Audit.id,
                                  Audit.name, Audit.number, Audit.received, Audit.created_at)
                           .join(Audit, Audit.id == Recommendation.audit_id).where(Audit.id != audit.id))
    mine = (_sort_day(audit), audit.id)
    found = {}
    for rec_id, text, number, audit_id, name, audit_number, received, created_at in rows:
        day = received or local_today(created_at)
        if (day, audit_id) < mine:
            found[rec_id] = (text, audit_id, name, audit_number, number)
    return found


def audit_follow_up(session: Session, actor, audit_id: int, *, today: date | None = None) -> AuditFollowUp:
    """Everything the follow-up shows, as of `today` (default: today in Sweden)."""
    today = today or local_today()
    actor = load_actor(session, actor)
    audit = session.scalar(select(Audit).where(Audit.id == audit_id).options(
        selectinload(Audit.recommendations).selectinload(Recommendation.measure_links)
        .selectinload(RecommendationMeasure.measure))) if _storable_id(audit_id) else None
    if audit is None:
        raise NotFound("Granskningen finns inte.")
    require(actor, "view_follow_up", audit)
    rules = follow_up_rules()
    measures = {m.id: m for rec in audit.recommendations for m in rec.measures}
    ids = sorted(measures)
    progress = _latest_progress(session, ids)
    indicators = indicator_statuses_by_measure(session, ids, today=today)
    dropped = _dropped_at(session, list(measures.values()), rules.flags.dropped_states)
    adopted = _adoption_times(session, audit)
    earlier = _earlier_recommendations(session, audit)
    effects = {o.value: o.label for o in get_workflows().vocabulary("effects")}

    def promised(m: Measure) -> PromisedMeasure:
        return PromisedMeasure(m.id, m.title, m.state, workflow_of(m).state_label(m.state), m.due_date,
                               is_late(m, today), progress.get(m.id), m.effect, effects.get(m.effect, m.effect),
                               indicators[m.id])

    followed = []
    for rec in sorted(audit.recommendations, key=lambda r: r.number):
        answered = min((t for t in (adopted.get(rec.id), adopted.get(None)) if t is not None), default=None)
        rows = [promised(m) for m in rec.measures]
        flags = [Flag("late", row.id, f"{row.title}: slutdatum {row.due_date.isoformat()}")
                 for row in rows if row.late]
        if not rows:
            flags.append(Flag("no_measure", None, rec.no_measure_reason))
        for row in rows:
            at = dropped.get(row.id)
            if answered is not None and at is not None and at > answered:
                flags.append(Flag("dropped", row.id, f"{row.title}: {row.state_label.lower()} "
                                                     f"{local_today(at).isoformat()}"))
        match = best_match(rec.text, {k: v[0] for k, v in earlier.items()}, rules.recurring)
        recurring = None
        if match is not None:
            text, other_audit, name, number, rec_number = earlier[match.key]
            recurring = RecurringOf(other_audit, name, number, match.key, rec_number, text, match.score)
        followed.append(FollowedRecommendation(
            rec.id, rec.number, rec.text, rec.answer, rec.no_measure_reason, rec.state,
            workflow_of(rec).state_label(rec.state), answered, recurring, flags, rows))
    return AuditFollowUp(audit, today, followed)


def follow_up_document(session: Session, actor, audit_id: int, *, now: datetime | None = None) -> RenderedDocument:
    """"Uppföljning av granskning …" as tagged PDF/A-3a, dated today. One audit's recommendations are a few
    pages (as the yttrande), so it is rendered in the request, not as a job."""
    now = now or utcnow()
    view = audit_follow_up(session, actor, audit_id, today=local_today(now))
    data = follow_up_data(view, organisation=organisation_name(session), document_date=local_today(now))
    return RenderedDocument(follow_up_pdf(data, when=now), f"{file_stem(view.audit.diarienummer)}-uppfoljning.pdf", PDF)
