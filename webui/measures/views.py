from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from kfflow.errors import GuardFailed, KfflowError, PermissionDenied, StaleCase, ValidationError
from kfflow.services import case_pages, secrecy
from kfflow.services.audits import update_recommendation
from kfflow.services.cases import read_case
from kfflow.services.comments import add_comment
from kfflow.services.handover import hand_over
from kfflow.services.access import available_actions, may
from kfflow.services.indicators import add_indicator as add_indicator_service
from kfflow.services.indicators import add_measurement as add_measurement_service
from kfflow.services.measurement_import import import_measurements as import_measurements_service
from kfflow.services.measure_list import measure_list_page
from kfflow.services.documents import render_ranking
from kfflow.services.ranking import ranking as ranking_service
from kfflow.services.measures import PROGRESS_FIELDS, add_progress_report, propose_measure, update_measure
from kfflow.workflow import get_workflows
from kfflow.workflow.attributes import HANDOVER
from webui.auth import current_actor
from webui.cases import create_form, form_data, form_value, read_version, transition_form
from webui.db import get_session
from webui.errors import status_for
from webui.documents import send_document
from webui.evidence import uploads_from_request
from webui.jobs import request_document, web_document_answer
from kfflow.workflow.measure_attributes import attribute_fields
from webui.measures import bp
from webui.measures.listing import ListArgs


def _render_list(handover_values=None, handover_errors=None, status=200, **reports):
    actor = current_actor()
    seen = secrecy.lens(get_session(), actor)
    f = ListArgs.parse(request.args, seen.hidden_ids("measure"))
    page = measure_list_page(get_session(), f.filter, page=f.page, sort=f.sort_key, lens=seen)
    return render_template(
        "measures/list.html", page=page, f=f, states=get_workflows().current("measure").states,
        vocab=get_workflows().vocabulary, offer=available_actions(actor, kind="measure"),
        handover_fields=HANDOVER.fields(), handover_values=handover_values or {},
        handover_errors=handover_errors or {}, **{"report_values": {}, "report_errors": {}, "report_message": None, **reports}), status


@bp.route("/atgarder")
def measure_list():
    return _render_list()


@bp.route("/atgarder/rangordning")
def ranking():
    """The measures awaiting a decision, highest score first: what the steering group works through."""
    return render_template("measures/ranking.html", view=ranking_service(get_session(), current_actor()))


@bp.route("/atgarder/rangordning.pdf")
def ranking_pdf():
    """The same list as a PDF to print or send before the meeting."""
    found = render_ranking(get_session(), current_actor())
    return send_document(found.content, found.filename, found.media_type)


@bp.route("/atgarder/delrapport.pdf")
def delrapport():
    """The interim report for the period in the list page's form; a bad period re-renders the form."""
    values = {"from": request.args.get("from", ""), "to": request.args.get("to", "")}
    actor = current_actor()
    try:
        answer = request_document(actor, "delrapport", values)
    except ValidationError as exc:
        return _render_list(status=422, report_values=values, report_errors=exc.fields, report_message=exc.message)
    return web_document_answer(actor, answer)


@bp.route("/atgarder/slutredovisning.pdf")
def slutredovisning():
    """The final report now when it was made from the same data, else the page that waits for it."""
    actor = current_actor()
    return web_document_answer(actor, request_document(actor, "slutredovisning", {}))


@bp.route("/atgarder/overlamning", methods=["POST"])
def handover():
    """Steering hands selected measures over to a new owner, one history entry per measure."""
    session = get_session()
    ids = [int(v) for v in request.form.getlist("arende") if v.isdigit()]
    values = {"to_owner": request.form.get("to_owner", ""), "reason": request.form.get("reason", ""), "ids": ids}
    if not ids:
        return _render_list(values, {"arende": _("Välj minst en åtgärd i listan.")}, 422)
    try:
        result = hand_over(session, current_actor(), to_owner=values["to_owner"], reason=values["reason"],
                           case_ids=[("measure", i) for i in ids])
    except ValidationError as exc:
        return _render_list(values, exc.fields, 422)
    flash(_("%(count)s åtgärder lämnades över.", count=len(result.handed_over)), "success")
    for _kind, _id, title, why in result.skipped:
        flash(_("Inte överlämnad: %(title)s (%(why)s).", title=title, why=why), "info")
    return redirect(url_for("measures.measure_list", **request.args))


@bp.route("/atgarder/ny", methods=["GET", "POST"])
def propose():
    """Propose a measure; from a recommendation's page (?rekommendation=<id>) it is also linked to its answer."""
    rec_id = request.args.get("rekommendation", type=int)
    intro = _("Alla medarbetare kan föreslå åtgärder. Styrgruppen prioriterar och beslutar.")
    if rec_id:
        intro += " " + _("Åtgärden kopplas till rekommendationens svar när du skickar förslaget.")
    return create_form(
        _("Föreslå åtgärd"), _("Skicka förslaget"), attribute_fields(),
        lambda values: _propose(values, rec_id),
        lambda measure: (url_for("audits.recommendation_page", rec_id=rec_id) if rec_id
                         else url_for("measures.measure_page", measure_id=measure.id)),
        _("Tack! Förslaget är registrerat."), intro=intro)


def _propose(values: dict, rec_id: int | None):
    session = get_session()
    actor = current_actor()
    measure = propose_measure(session, actor, values)
    if rec_id:
        # A second service call: the proposal stands even if linking is refused, and the user is told why.
        try:
            rec = read_case(session, "recommendation", rec_id)
            linked = [m.id for m in rec.measures] + [measure.id]
            update_recommendation(session, actor, rec_id, {"measure_ids": linked}, expected_version=None)
        except KfflowError as exc:
            flash(_("Åtgärden är föreslagen men kopplades inte till rekommendationen: %(why)s", why=exc.message),
                  "info")
    return measure


def _render_page(measure_id: int, status: int = 200, **extra):
    actor = current_actor()
    page = case_pages.measure_page(get_session(), actor, measure_id)
    measure = page.case
    context = dict(
        measure=measure, offer=page.offer, transitions=page.transitions, history=page.history,
        revisions=page.revisions, comments=page.comments, today=page.today,
        progress_fields=PROGRESS_FIELDS, progress_values={}, progress_errors={}, progress_stale=False,
        comment_values={}, comment_errors={}, message=None, attachments=page.attachments,
        indicators=page.indicators, may_follow_up=page.may_follow_up, indicator_values={}, indicator_errors={},
        measurement_for=None, measurement_values={}, measurement_errors={}, sheet_errors={})
    context.update(extra)
    return render_template("measures/page.html", **context), status


@bp.route("/atgarder/<int:measure_id>")
def measure_page(measure_id: int):
    return _render_page(measure_id)


@bp.route("/atgarder/<int:measure_id>/steg/<trigger>", methods=["GET", "POST"])
def transition(measure_id: int, trigger: str):
    return transition_form("measure", measure_id, trigger, "measures.measure_page", "measure_id")


@bp.route("/atgarder/<int:measure_id>/andra", methods=["GET", "POST"])
def edit(measure_id: int):
    session = get_session()
    actor = current_actor()
    measure = read_case(session, "measure", measure_id)
    if not may(actor, "edit", measure):
        raise PermissionDenied(_("Du får inte ändra den här åtgärden."))
    secrecy.require_readable(session, actor, measure)
    fields = attribute_fields()
    context = dict(measure=measure, fields=fields, errors={}, message=None, stale=False)
    if request.method == "GET":
        values = {f.name: form_value(getattr(measure, f.name)) for f in fields}
        return render_template("measures/edit.html", values=values, version=measure.version, **context)
    values = form_data()
    changes = {f.name: values.get(f.name, "") for f in fields}
    try:
        update_measure(session, actor, measure_id, changes, expected_version=_required_version())
    except ValidationError as exc:
        return render_template("measures/edit.html", values=values, version=values.get("version", ""),
                               **{**context, "errors": exc.fields, "message": exc.message}), 422
    except StaleCase:
        return render_template("measures/edit.html", values=values, version=values.get("version", ""),
                               **{**context, "stale": True}), 409
    flash(_("Ändringarna är sparade."), "success")
    return redirect(url_for("measures.measure_page", measure_id=measure_id))


def _required_version() -> int:
    """The version the form was rendered with; a form without one is treated as stale."""
    version = read_version()
    if version is None:
        raise StaleCase("")
    return version


def _submit(measure_id: int, form_prefix: str, call, saved_message: str, anchor: str, **keep):
    """One form post on the measure page: `call(values)` runs one service; a refusal re-renders the page with the
    form's values and errors under `<form_prefix>_values/_errors/_stale` (plus `keep`), success flashes and
    redirects to the page's `anchor`."""
    values = request.form.to_dict()
    values.pop("csrf_token", None)
    again = {f"{form_prefix}_values": values, **keep}
    try:
        call(values)
    except StaleCase:
        return _render_page(measure_id, 409, **again, **{f"{form_prefix}_stale": True})
    except ValidationError as exc:
        return _render_page(measure_id, 422, **again, **{f"{form_prefix}_errors": exc.fields})
    except GuardFailed as exc:
        return _render_page(measure_id, status_for(exc), **again, message=exc.message)
    flash(saved_message, "success")
    return redirect(url_for("measures.measure_page", measure_id=measure_id) + "#" + anchor)


@bp.route("/atgarder/<int:measure_id>/lagesrapport", methods=["POST"])
def progress(measure_id: int):
    return _submit(
        measure_id, "progress",
        lambda values: add_progress_report(
            get_session(), current_actor(), measure_id, done=values.get("done"), ongoing=values.get("ongoing"),
            planned=values.get("planned"), expected_version=_required_version(),
            attachments=uploads_from_request()),
        _("Lägesrapporten är sparad."), "lagesrapporter")


@bp.route("/atgarder/<int:measure_id>/indikatorer", methods=["POST"])
def add_indicator(measure_id: int):
    return _submit(measure_id, "indicator",
                   lambda values: add_indicator_service(get_session(), current_actor(), measure_id, values),
                   _("Indikatorn är sparad."), "indikatorer")


@bp.route("/atgarder/<int:measure_id>/indikatorer/<int:indicator_id>/matvarden", methods=["POST"])
def add_measurement(measure_id: int, indicator_id: int):
    return _submit(measure_id, "measurement",
                   lambda values: add_measurement_service(get_session(), current_actor(), indicator_id, values),
                   _("Mätvärdet är sparat."), f"indikator-{indicator_id}", measurement_for=indicator_id)


@bp.route("/atgarder/<int:measure_id>/indikatorer/<int:indicator_id>/matvarden/fil", methods=["POST"])
def import_measurements(measure_id: int, indicator_id: int):
    def read_sheet(_values):
        upload = request.files.get("file")
        import_measurements_service(get_session(), current_actor(), indicator_id,
                                    upload.stream.read() if upload else None, upload.filename if upload else None)
    return _submit(measure_id, "sheet", read_sheet, _("Mätvärdena i filen är sparade."), f"indikator-{indicator_id}",
                   measurement_for=indicator_id)


@bp.route("/atgarder/<int:measure_id>/kommentar", methods=["POST"])
def comment(measure_id: int):
    return _submit(measure_id, "comment",
                   lambda values: add_comment(get_session(), current_actor(), ("measure", measure_id),
                                              values.get("body", "")),
                   _("Kommentaren är sparad."), "kommentarer")
