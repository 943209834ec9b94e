"""Load the demo data once, through the same services people use, so its history is genuine."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kfflow.clock import local_today
from kfflow.db import utcnow, write_transaction
from kfflow.models import Setting, User
from kfflow.services import demo_data as data
from kfflow.services.audits import add_recommendation, register_audit, update_recommendation
from kfflow.services.cases import fire
from kfflow.services.indicators import add_indicator, add_measurement
from kfflow.services.lagesbild_snapshots import freeze_lagesbild
from kfflow.services.measures import add_progress_report, propose_measure, update_measure
from kfflow.services.users import create_user, ensure_body
from kfflow.security import hash_password

MARKER = "demo_loaded"


def demo_password(username: str) -> str:
    return f"kfflow-{username}"


def demo_loaded(session: Session) -> bool:
    return session.get(Setting, MARKER) is not None


def load_demo(session: Session) -> bool:
    """Load the demo once; return False (and change nothing) when it is already there."""
    if demo_loaded(session):
        return False
    now = utcnow()
    for name, kind, mandate in data.BODIES:
        ensure_body(session, name, kind, mandate)
    users = {}
    for username, role, display, email in data.DEMO_USERS:
        existing = session.scalar(select(User).where(User.username == username))
        users[username] = existing or create_user(
            session, None, username=username, role=role, display_name=display, email=email,
            password_hash=hash_password(demo_password(username)))
    steering, owner, council, contributor, registrar = (
        users["stina"], users["olle"], users["rolf"], users["anna"], users["rut"])

    def decided(title, *, proposer, values, state, days):
        m = propose_measure(session, proposer, {"title": title, **values}, now=now)
        fire(session, council, m, "prioritise", {"priority": 2, "category": values.get("category") or "develop",
             "expected_effect": values.get("expected_effect") or "Effekten följs upp av styrgruppen.",
             "scores": data.DECIDED_SCORES}, now=now)
        fire(session, steering, m, "decide", {"owner": owner, "due_date": local_today(now) + timedelta(days=days),
             "decision_ref": "Styrgruppen SLK, slutredovisning RS/351/2022"}, now=now)
        if state in ("implemented", "evaluated"):
            fire(session, owner, m, "implement", {"implementation_note": "Genomfört enligt beslut."}, now=now)
        if state == "evaluated":
            evaluation, effect = data.EVALUATIONS[title]
            fire(session, steering, m, "evaluate", {"evaluation": evaluation, "effect": effect}, now=now)
        return m

    measures = {}
    for i, (title, category, group, state) in enumerate(data.DECIDED_MEASURES):
        # Due dates spread around today, so that "due soon" and "overdue" have something to show.
        measures[title] = decided(title, proposer=contributor if i % 3 else steering, state=state,
                                  days=7 + 9 * i, values={"category": category, "working_group": group})
    for i, (title, description, unit, status) in enumerate(data.PLAN_ACTIVITIES):
        measures[title] = decided(title, proposer=steering, state="decided", days=30 + 11 * i, values={
            "description": description, "owner_body": unit, "status_note": status,
            "governing_plans": data.PLAN_NAME, "horizon": "long", "category": "develop"})
    for title, (done, ongoing, planned) in data.PROGRESS.items():
        add_progress_report(session, owner, measures[title].id, done=done, ongoing=ongoing, planned=planned, now=now)
    today = local_today(now)
    for title, indicator, history in data.INDICATORS:
        ind = add_indicator(session, owner, measures[title].id, {
            **indicator, "baseline_date": today - timedelta(days=365), "target_date": today + timedelta(days=730)},
            now=now)
        for days_ago, value, source in history:
            add_measurement(session, owner, ind.id, {"value": value, "date": today - timedelta(days=days_ago),
                                                     "source": source}, now=now)
    # A lägesbild frozen before the last measures came, so /lagesbild/frysta has one and the page a trend to show.
    freeze_lagesbild(session, steering, now=now)
    # An overdue measure, decided earlier, so reminders and the start page have something late to show.
    late = propose_measure(session, contributor, {"title": data.LATE_MEASURE,
                                                  "working_group": "Utbildning", "category": "retain"}, now=now)
    earlier = now - timedelta(days=60)
    fire(session, council, late, "prioritise", {"priority": 1, "category": "retain",
         "expected_effect": "Fler nyanställda stannar första året; mäts som personalomsättning år 1.",
         "scores": data.DECIDED_SCORES}, now=earlier)
    fire(session, steering, late, "decide", {"owner": owner, "due_date": local_today(now) - timedelta(days=20),
         "decision_ref": "Styrgruppen SLK"}, now=earlier)
    propose_measure(session, contributor, {"title": "Enklare schemaläggning via app",
                                           "description": "Förslag från medarbetare: egen schemaläggning i mobilen."},
                    now=now)
    # What the steering group ranks in its meeting: prioritised proposals judged at `prioritise`, proposals
    # judged afterwards by an edit, and the app proposal above not judged yet.
    for title, description, category, group, scores, prioritised in data.RANKING_PROPOSALS:
        m = propose_measure(session, contributor, {"title": title, "description": description,
                                                   "working_group": group}, now=now)
        if prioritised:
            fire(session, council, m, "prioritise", {"priority": 2, "category": category, "scores": scores,
                 "expected_effect": "Bedöms av kompetensförsörjningsrådet."}, now=now)
        else:
            update_measure(session, steering, m.id, {"category": category, "scores": scores}, None, now=now)

    measures[late.title] = late
    measures[data.DROPPED_MEASURE] = propose_measure(session, steering, {"title": data.DROPPED_MEASURE}, now=now)
    _earlier_audit(session, registrar, now)
    audit = register_audit(session, registrar, {**data.SAMPLE_AUDIT, "received": local_today(now) - timedelta(days=30),
                                                "response_due": local_today(now) + timedelta(days=21)})
    for number, (text, answer, linked) in enumerate(data.SAMPLE_RECOMMENDATIONS, start=1):
        rec = add_recommendation(session, registrar, audit.id, number, text, now=now)
        fire(session, registrar, rec, "assign", {"owner": owner}, now=now)
        linked = linked + ([data.LATE_MEASURE] if number == data.SAMPLE_LATE_LINK else [])
        update_recommendation(session, owner, rec.id, {
            "answer": answer, "measure_ids": [measures[t].id for t in linked],
            "no_measure_reason": data.SAMPLE_NO_MEASURE_REASONS.get(number)}, None, now=now)
    # The board adopts the yttrande; afterwards the measure promised for recommendation 4 is rejected, so the
    # follow-up (/granskningar/<id>/uppfoljning) shows a late, a missing and a dropped measure.
    fire(session, registrar, audit, "start_drafting", {}, now=now)
    fire(session, registrar, audit, "decide", {"body": "Regionstyrelsen", "meeting_date": local_today(now),
                                               "paragraph": "§ 81"}, now=now)
    fire(session, steering, measures[data.DROPPED_MEASURE], "reject",
         {"reason": "Styrgruppen bereder rådets ärenden redan i dag."}, now=now + timedelta(minutes=1))
    with write_transaction(session):
        session.add(Setting(key=MARKER, value=now.isoformat()))
    return True


def _earlier_audit(session: Session, registrar: User, now) -> None:
    """An audit of 2019, answered without measures, that the sample audit's third recommendation repeats."""
    audit = register_audit(session, registrar, {**data.EARLIER_AUDIT,
                                                "received": local_today(now) - timedelta(days=3 * 365)}, now=now)
    for number, text in enumerate(data.EARLIER_RECOMMENDATIONS, start=1):
        rec = add_recommendation(session, registrar, audit.id, number, text, now=now)
        update_recommendation(session, registrar, rec.id, {"answer": data.EARLIER_ANSWER,
                                                           "no_measure_reason": data.EARLIER_REASON}, None, now=now)
    fire(session, registrar, audit, "start_drafting", {}, now=now)
    fire(session, registrar, audit, "decide", {"body": "Regionstyrelsen", "meeting_date": local_today(now) - timedelta(
        days=3 * 365 - 60), "paragraph": "§ 112"}, now=now)


def demo_summary(session: Session) -> list[tuple[str, str, str]]:
    """(username, role, password) of the demo users, for `make run` to print."""
    return [(u, role, demo_password(u)) for u, role, _, _ in data.DEMO_USERS]

