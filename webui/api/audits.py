"""Audits and their recommendations over the API: register, edit, answer, link measures, move through the lifecycle."""
from __future__ import annotations

from kfflow.services import case_detail
from kfflow.services.audit_list import audit_page
from kfflow.services.audits import add_recommendation, register_audit, update_audit, update_recommendation
from kfflow.services.access import available_actions
from kfflow.services.cases import fire
from webui.api import schemas as s
from webui.api.framework import operation
from webui.api.measures import case_history, seen
from webui.db import get_session

AUDITS, RECOMMENDATIONS = "Granskningar", "Rekommendationer"


def audit_detail(user, audit_id: int):
    audit = case_detail.audit_detail(get_session(), audit_id)
    return s.With(seen(user).view(audit), **s.offered(available_actions(user, audit)))


def recommendation_detail(user, rec_id: int):
    rec = case_detail.recommendation_detail(get_session(), rec_id)
    lens = seen(user)
    return s.With(lens.view(rec), measures=lens.view(rec.measures, "measure"), **s.offered(available_actions(user, rec)))


@operation("/audits", "GET", summary="Lista granskningar", tag=AUDITS, query=s.PageQuerySchema(),
           response=s.AuditPageSchema())
def list_audits(user, args):
    """Nyast först."""
    items, total = audit_page(get_session(), limit=args["limit"], offset=args["offset"])
    return {"items": seen(user).view(items, "audit"), "total": total}


@operation("/audits", "POST", summary="Registrera en granskning", tag=AUDITS, status=201,
           body=s.RegisterAuditSchema(), response=s.AuditDetailSchema(), errors=(403,))
def register_audit_view(user, data):
    """Registratorn registrerar revisionens granskning med diarienummer."""
    audit = register_audit(get_session(), user, data)
    return audit_detail(user, audit.id)


@operation("/audits/<int:audit_id>", "GET", summary="Läs en granskning", tag=AUDITS,
           response=s.AuditDetailSchema())
def get_audit(user, audit_id):
    """Med rekommendationerna i nummerordning."""
    return audit_detail(user, audit_id)


@operation("/audits/<int:audit_id>", "PATCH", summary="Ändra en granskning", tag=AUDITS,
           body=s.UpdateAuditSchema(), response=s.AuditDetailSchema(), errors=(403, 409))
def update_audit_view(user, audit_id, data):
    """Även svarande organ, undertecknare (`[{"name", "title"}]`), yttrandets mall (`template`) och
    sammanfattning (`summary`). Ange `version` från senaste läsningen; historiken visar vad som ändrades."""
    version = data.pop("version")
    update_audit(get_session(), user, audit_id, data, version)
    return audit_detail(user, audit_id)


@operation("/audits/<int:audit_id>/transitions", "POST", summary="Gör en övergång i granskningen", tag=AUDITS,
           body=s.FireSchema(), response=s.AuditDetailSchema(), errors=(403, 409))
def fire_audit(user, audit_id, data):
    """Påbörja yttrandet, för in beslutet, skicka till revisorerna, följ upp: `trigger`, `version` och
    övergångens fält med sina namn."""
    trigger, version = data.pop("trigger"), data.pop("version")
    fire(get_session(), user, ("audit", audit_id), trigger, data, version)
    return audit_detail(user, audit_id)


@operation("/audits/<int:audit_id>/history", "GET", summary="En gransknings historik", tag=AUDITS,
           response=s.HistorySchema())
def audit_history(user, audit_id):
    """Varje händelse i ordning, även ändringar av uppgifterna (med från och till) och registrerade handlingar."""
    return case_history(user, "audit", audit_id)


@operation("/audits/<int:audit_id>/recommendations", "POST", summary="Registrera en rekommendation",
           tag=AUDITS, status=201, body=s.RecommendationRequestSchema(), response=s.RecommendationDetailSchema(),
           errors=(403,))
def add_recommendation_view(user, audit_id, data):
    """Numret är unikt inom granskningen."""
    rec = add_recommendation(get_session(), user, audit_id, data["number"], data["text"])
    return recommendation_detail(user, rec.id)


@operation("/recommendations/<int:rec_id>", "GET", summary="Läs en rekommendation", tag=RECOMMENDATIONS,
           response=s.RecommendationDetailSchema())
def get_recommendation(user, rec_id):
    """Med svaret, de kopplade åtgärderna och de övergångar den inloggade får göra nu."""
    return recommendation_detail(user, rec_id)


@operation("/recommendations/<int:rec_id>", "PATCH", summary="Ändra svaret och dess åtgärder",
           tag=RECOMMENDATIONS, body=s.UpdateRecommendationSchema(), response=s.RecommendationDetailSchema(),
           errors=(403, 409))
def update_recommendation_view(user, rec_id, data):
    """Registratorn och rekommendationens ansvarig, tills styrelsen har antagit svaret: `answer`, `measure_ids`
    eller `no_measure_reason`. Ansvarig byts med övergången `reassign` (med motivering), inte här."""
    version = data.pop("version")
    update_recommendation(get_session(), user, rec_id, data, version)
    return recommendation_detail(user, rec_id)


@operation("/recommendations/<int:rec_id>/transitions", "POST", summary="Gör en övergång",
           tag=RECOMMENDATIONS, body=s.FireSchema(), response=s.RecommendationDetailSchema(), errors=(403, 409))
def fire_recommendation(user, rec_id, data):
    """`trigger`, `version` och övergångens fält med sina namn."""
    trigger, version = data.pop("trigger"), data.pop("version")
    fire(get_session(), user, ("recommendation", rec_id), trigger, data, version)
    return recommendation_detail(user, rec_id)


@operation("/recommendations/<int:rec_id>/history", "GET", summary="En rekommendations historik",
           tag=RECOMMENDATIONS, response=s.HistorySchema())
def recommendation_history(user, rec_id):
    """Varje händelse i ordning."""
    return case_history(user, "recommendation", rec_id)
