"""Measures over the API: list, propose, read with the transitions the caller may fire, fire, edit, report."""
from __future__ import annotations

from kfflow.services import case_detail
from kfflow.services.access import available_actions
from kfflow.services.cases import fire, read_case
from kfflow.importing.export import EXPORT_TYPES, measures_file
from kfflow.services.measure_list import MeasureFilter, all_measures, list_measures
from kfflow.services.comments import add_comment, comments_on
from kfflow.services.handover import hand_over
from kfflow.services.documents import PDF, render_ranking
from kfflow.services.ranking import ranking
from kfflow.services.indicators import add_indicator, add_measurement, indicator_statuses
from kfflow.services import secrecy
from kfflow.services.measurement_import import import_measurements
from kfflow.services.measures import add_progress_report, propose_measure, update_measure
from kfflow.clock import local_today
from kfflow.evidence import EVIDENCE_TYPES
from kfflow.services.evidence import attachments_of, read_attachment
from webui.evidence import send_attachment
from webui.api import schemas as s
from webui.api.framework import operation
from webui.db import get_session
from webui.documents import send_document

TAG = "Åtgärder"


def seen(user) -> secrecy.SecrecyLens:
    """Marked content as this caller may read it (kfflow.services.secrecy)."""
    return secrecy.lens(get_session(), user)


def measure_detail(user, measure_id: int):
    session = get_session()
    measure = case_detail.measure_detail(session, measure_id)
    lens = seen(user)
    shown = lens.view(measure)
    attachments = lens.view(attachments_of(session, "measure", measure_id), "attachment", case=("measure", measure_id))
    return s.With(shown, **s.offered(available_actions(user, measure)),
                  indicators=[] if shown.masked else indicator_statuses(session, measure_id), attachments=attachments,
                  progress_reports=[s.With(r, attachments=[a for a in attachments if a.progress_report_id == r.id])
                                    for r in shown.progress_reports])


def indicator_status(measure_id: int, indicator_id: int):
    return next(i for i in indicator_statuses(get_session(), measure_id) if i.id == indicator_id)


def case_history(user, kind: str, case_id: int) -> dict:
    session = get_session()
    entries = case_detail.history_with_actors(session, kind, case_id)
    return {"items": seen(user).history(read_case(session, kind, case_id), entries)}


def _filter(args, lens: secrecy.SecrecyLens) -> MeasureFilter:
    return MeasureFilter(states=args.get("state") or [], category=args.get("category"),
                         working_group=args.get("working_group"), owner=args.get("owner"),
                         overdue=bool(args.get("overdue")), q=args.get("q"), today=local_today(),
                         text_hidden_in=lens.hidden_ids("measure"))


@operation("/measures", "GET", summary="Lista åtgärder", tag=TAG, query=s.MeasureQuerySchema(),
           response=s.MeasurePageSchema())
def list_measures_view(user, args):
    """Filter som i webbgränssnittet; `limit`/`offset` bläddrar, `sort` sorterar (`-` först för fallande)."""
    lens = seen(user)
    items, total = list_measures(get_session(), _filter(args, lens), limit=args["limit"], offset=args["offset"],
                                 sort=args["sort"])
    return {"items": lens.view(items, "measure"), "total": total}


def _export(user, args, fmt: str):
    session = get_session()
    lens = seen(user)
    data = measures_file(session, lens.view(all_measures(session, _filter(args, lens), sort=args["sort"]), "measure"),
                         fmt)
    return send_document(data, f"atgarder-{local_today().isoformat()}.{fmt}", EXPORT_TYPES[fmt], attachment=True)


@operation("/measures/ranking", "GET", summary="Rangordning av åtgärder som väntar på beslut", tag=TAG,
           response=s.RankingSchema(), errors=(403,))
def get_ranking(user):
    """Åtgärderna i lägen med taggen `ranked` (föreslagna och prioriterade), högst poäng först enligt
    workflows/scoring.yaml, lika poäng efter nummer, obedömda sist; samma ordning som sidan
    /atgarder/rangordning och som `GET /api/v1/measures?sort=-score` med samma lägen."""
    return ranking(get_session(), user)


@operation("/measures/ranking.pdf", "GET", summary="Rangordningen som PDF", tag=TAG,
           produces=(PDF,), errors=(403,))
def get_ranking_pdf(user):
    """Samma rader i samma ordning som `GET /measures/ranking`, att skriva ut till sammanträdet (tillgänglig
    PDF/UA med uppgifterna som JSON-bilaga)."""
    found = render_ranking(get_session(), user)
    return send_document(found.content, found.filename, found.media_type)


@operation("/measures/export.xlsx", "GET", summary="Exportera åtgärder som Excel-fil", tag=TAG,
           query=s.MeasureExportQuerySchema(), produces=(EXPORT_TYPES["xlsx"],))
def export_measures_xlsx(user, args):
    """Alla åtgärder som matchar filtren (som för listan, utan sidor) i importens kolumner."""
    return _export(user, args, "xlsx")


@operation("/measures/export.csv", "GET", summary="Exportera åtgärder som CSV", tag=TAG,
           query=s.MeasureExportQuerySchema(), produces=(EXPORT_TYPES["csv"],))
def export_measures_csv(user, args):
    """Som Excel-exporten, som CSV i UTF-8 med BOM och semikolon."""
    return _export(user, args, "csv")


@operation("/measures", "POST", summary="Föreslå en åtgärd", tag=TAG, status=201,
           body=s.ProposeMeasureSchema(), response=s.MeasureDetailSchema(), errors=(403,))
def propose_measure_view(user, data):
    """Alla inloggade får föreslå; åtgärden börjar i läget `proposed`."""
    measure = propose_measure(get_session(), user, data)
    return measure_detail(user, measure.id)


@operation("/measures/<int:measure_id>", "GET", summary="Läs en åtgärd", tag=TAG,
           response=s.MeasureDetailSchema())
def get_measure(user, measure_id):
    """Med `version` och de övergångar den inloggade får göra nu, med fälten var och en kräver."""
    return measure_detail(user, measure_id)


@operation("/measures/<int:measure_id>", "PATCH", summary="Ändra en åtgärds uppgifter", tag=TAG,
           body=s.UpdateMeasureSchema(), response=s.MeasureDetailSchema(), errors=(403, 409))
def update_measure_view(user, measure_id, data):
    """Ange `version` från senaste läsningen; 409 om någon annan har ändrat åtgärden under tiden."""
    version = data.pop("version")
    update_measure(get_session(), user, measure_id, data, version)
    return measure_detail(user, measure_id)


@operation("/measures/<int:measure_id>/transitions", "POST", summary="Gör en övergång", tag=TAG,
           body=s.FireSchema(), response=s.MeasureDetailSchema(), errors=(403, 409), attachments=True)
def fire_measure(user, measure_id, data, attachments):
    """`trigger`, `version` och övergångens fält med sina namn. En övergång med `evidence: true` tar emot
    underlag: skicka då multipart/form-data med fälten som textdelar och filerna i `attachments`."""
    trigger, version = data.pop("trigger"), data.pop("version")
    fire(get_session(), user, ("measure", measure_id), trigger, data, version, attachments=attachments)
    return measure_detail(user, measure_id)


@operation("/measures/<int:measure_id>/progress", "POST", summary="Rapportera läget", tag=TAG, status=201,
           body=s.ProgressRequestSchema(), response=s.ProgressReportSchema(), errors=(403, 409), attachments=True)
def report_progress(user, measure_id, data, attachments):
    """Vad är gjort, vad pågår, vad finns planerat — av åtgärdens ansvarig eller styrgruppen. Ange `version`
    från senaste läsningen (409 om den är inaktuell); rapporten ger åtgärden en ny version. Underlag: skicka
    multipart/form-data med fälten som textdelar och filerna i `attachments` (högst 5)."""
    session = get_session()
    report = add_progress_report(session, user, measure_id, done=data.get("done"),
                                 ongoing=data.get("ongoing"), planned=data.get("planned"),
                                 reported_on=data.get("reported_on"), expected_version=data["version"],
                                 attachments=attachments)
    lens = seen(user)
    return s.With(lens.view(report, "progress_report", within=lens.marking("measure", measure_id)),
                  measure_version=report.measure.version,
                  attachments=lens.view([a for a in attachments_of(session, "measure", measure_id)
                                         if a.progress_report_id == report.id], "attachment",
                                        case=("measure", measure_id)))


@operation("/attachments/<int:attachment_id>", "GET", summary="Hämta ett underlag", tag=TAG,
           produces=tuple(EVIDENCE_TYPES), headers=("X-Document-SHA256",))
def get_attachment(user, attachment_id):
    """Filen som den laddades upp, som bilaga (Content-Disposition: attachment), med dess SHA-256. Ett
    sekretessmarkerat underlag (eller ett i ett markerat ärende eller en markerad lägesrapport) lämnas bara ut
    till den som får läsa det (403)."""
    return send_attachment(read_attachment(get_session(), user, attachment_id))


@operation("/measures/<int:measure_id>/indicators", "POST", summary="Lägg till en indikator", tag=TAG, status=201,
           body=s.IndicatorRequestSchema(), response=s.IndicatorSchema(), errors=(403, 409))
def add_indicator_view(user, measure_id, data):
    """Hur åtgärdens effekt mäts: utgångsvärde och mål med datum, och hur ofta den mäts. Av åtgärdens
    ansvarig eller styrgruppen; åtgärdens version ändras inte."""
    indicator = add_indicator(get_session(), user, measure_id, data)
    return indicator_status(measure_id, indicator.id)


@operation("/indicators/<int:indicator_id>/measurements", "POST", summary="Registrera ett mätvärde", tag=TAG,
           status=201, body=s.MeasurementRequestSchema(), response=s.IndicatorSchema(), errors=(403, 409))
def add_measurement_view(user, indicator_id, data):
    """Ett värde för indikatorn vid ett datum (inte före utgångsvärdets datum, inte i framtiden), med källa
    och kommentar. Svaret är indikatorn med alla värden."""
    measurement = add_measurement(get_session(), user, indicator_id, data)
    return indicator_status(measurement.indicator.measure_id, indicator_id)


class MeasurementSheetForm(s.RequestSchema):
    """A sheet upload has no text parts: the file is all."""


@operation("/indicators/<int:indicator_id>/measurements/import", "POST", summary="Läs in mätvärden från en fil",
           tag=TAG, status=201, body=MeasurementSheetForm(), files=("file",), response=s.IndicatorSchema(),
           errors=(403, 409))
def import_measurements_view(user, indicator_id, data, files):
    """multipart/form-data med `file`: .xlsx eller .csv med kolumnerna Datum, Värde, Källa, Kommentar (Källa och
    Kommentar får saknas). Allt eller inget: en rad med fel ger 422 med varje fels rad och kolumn i
    `fields.file`, och inget sparas. Svaret är indikatorn med alla värden."""
    upload = files["file"]
    done = import_measurements(get_session(), user, indicator_id, upload.stream.read() if upload else None,
                               upload.filename if upload else None)
    return indicator_status(done.measure_id, indicator_id)


@operation("/measures/<int:measure_id>/history", "GET", summary="En åtgärds historik", tag=TAG,
           response=s.HistorySchema())
def measure_history(user, measure_id):
    """Varje händelse i ordning: vem, när, från vilket läge till vilket, med vilka uppgifter."""
    return case_history(user, "measure", measure_id)


@operation("/measures/<int:measure_id>/comments", "GET", summary="En åtgärds kommentarer", tag=TAG,
           response=s.CommentPageSchema())
def measure_comments(user, measure_id):
    """Äldst först."""
    session = get_session()
    measure = read_case(session, "measure", measure_id)
    return {"items": seen(user).comments(measure, comments_on(session, measure))}


@operation("/measures/<int:measure_id>/comments", "POST", summary="Kommentera en åtgärd", tag=TAG, status=201,
           body=s.CommentRequestSchema(), response=s.CommentSchema())
def comment_measure(user, measure_id, data):
    """Alla inloggade får kommentera."""
    return add_comment(get_session(), user, ("measure", measure_id), data["body"])


@operation("/measures/handover", "POST", summary="Lämna över åtgärder till en ny ansvarig", tag=TAG,
           body=s.HandoverRequestSchema(), response=s.HandoverResultSchema(), errors=(403,))
def handover_measures(user, data):
    """Övergången `reassign` för varje vald åtgärd, med samma motivering: allt eller inget. Åtgärder som inte
    är öppna eller redan har den ansvarige hoppas över och listas i `skipped`."""
    result = hand_over(get_session(), user, to_owner=data["to_owner"], reason=data["reason"],
                       case_ids=[("measure", i) for i in data["measure_ids"]], dry_run=data["dry_run"])
    return {"handed_over": [dict(zip(("kind", "id", "title"), row)) for row in result.handed_over],
            "skipped": [dict(zip(("kind", "id", "title", "why"), row)) for row in result.skipped],
            "dry_run": result.dry_run}

