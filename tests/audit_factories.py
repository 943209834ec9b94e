"""An audit with four answered recommendations, built through the services as a registrar would."""
from __future__ import annotations

from kfflow.services.audits import add_recommendation, register_audit, update_recommendation
from kfflow.services.cases import fire

from tests.conftest import NOW
from tests.factories import measure_in_state

RECOMMENDATIONS = [
    "Säkerställ att den strategiska handlingsplanen för kompetensförsörjning får tydliga mål och mätetal.",
    "Tydliggör ansvarsfördelningen mellan styrgruppen, kompetensförsörjningsrådet och förvaltningarna.",
    "Följ upp effekterna av vidtagna åtgärder och rapportera dem till regionstyrelsen två gånger per år.",
    "Överväg att inrätta regionala arbetshubbar för distansarbete i glesbygd.",
]
ANSWERS = [
    "Regionstyrelsen delar revisorernas bedömning. Handlingsplanen kompletteras med mål för varje åtgärd.",
    "Ansvaret förtydligas i en reviderad delegationsordning; rådet bereder och styrgruppen beslutar.",
    "Effekterna följs upp i en lägesbild som lämnas till regionstyrelsen i oktober och december.",
    "Frågan är utredd. Behovet är i dag litet och ryms inom befintliga lokaler i Östersund.",
]
MEASURES = ["Mål och mätetal för handlingsplanen", "Reviderad delegationsordning för kompetensförsörjning",
            "Lägesbild två gånger per år till regionstyrelsen"]
SIGNATORIES = [{"name": "Åsa Ödmark (S)", "title": "Ordförande"},
               {"name": "Jöns Ärlebäck", "title": "Regiondirektör"}]
NO_MEASURE_REASON = "Behovet av arbetshubbar bedöms som litet; ingen särskild åtgärd vidtas."


def registered_audit(session, users, *, template="board", responding_body="Regionstyrelsen", now=NOW, **extra):
    data = {"name": "Fördjupad granskning", "number": "7/2022", "subject": "Strategisk kompetensförsörjning",
            "diarienummer": "RS/351/2022", "responding_body": responding_body, "addressee": "Revisorerna i Region Jämtland Härjedalen",
            "template": template, "signatories": SIGNATORIES,
            "summary": "Regionen har påbörjat ett omfattande arbete; åtgärderna följs upp av styrgruppen.", **extra}
    return register_audit(session, users["registrar"], data, now=now)


def answered_audit(session, users, *, template="board", responding_body="Regionstyrelsen", now=NOW,
                   answers=ANSWERS, **audit_fields):
    """Four recommendations: 1 and 2 share the first measure, 3 has two, 4 a reason for no measure."""
    audit = registered_audit(session, users, template=template, responding_body=responding_body, now=now,
                             **audit_fields)
    measures = [measure_in_state(session, users, "decided", title=t, now=now) for t in MEASURES]
    links = [[measures[0].id], [measures[0].id, measures[1].id], [measures[2].id, measures[1].id], []]
    for number, (text, answer, ids) in enumerate(zip(RECOMMENDATIONS, answers, links), start=1):
        rec = add_recommendation(session, users["registrar"], audit.id, number, text, now=now)
        changes = {"answer": answer, "measure_ids": ids}
        if not ids:
            changes["no_measure_reason"] = NO_MEASURE_REASON
        update_recommendation(session, users["registrar"], rec.id, changes, None, now=now)
    fire(session, users["registrar"], audit, "start_drafting", {}, now=now)
    session.refresh(audit)
    return audit, measures


def decide(session, users, audit, now=NOW):
    return fire(session, users["registrar"], audit, "decide",
                {"body": audit.responding_body, "meeting_date": "2023-03-28", "paragraph": "§ 81"}, now=now)
