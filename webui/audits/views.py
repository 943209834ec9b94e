from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from kfflow.errors import GuardFailed, PermissionDenied, StaleCase, TooManyJobs, ValidationError
from kfflow.services import case_pages, documents, secrecy
from kfflow.services.access import available_actions, require
from kfflow.services.audit_follow_up import audit_follow_up, follow_up_document
from kfflow.services.audit_list import audits_with_counts
from kfflow.services.audits import (ANSWER_FIELDS, AUDIT_FIELDS, RECOMMENDATION_FIELDS, add_recommendation,
                                   register_audit, update_audit, update_recommendation)
from kfflow.services.cases import read_case
from webui.audits import bp
from webui.auth import current_actor
from webui.cases import create_form, form_value, read_version, transition_form
from webui.db import get_session
from webui.documents import send_document
from webui.errors import status_for
from webui.jobs import request_registration


@bp.route("/granskningar")
def audit_list():
    seen = secrecy.lens(get_session(), current_actor())
    return render_template("audits/list.html", rows=[(seen.view(a), n) for a, n in audits_with_counts(get_session())],
                           offer=available_actions(current_actor(), kind="audit"))


@bp.route("/granskningar/ny", methods=["GET", "POST"])
def register():
    if request.method == "GET":
        # The service checks again on POST; this only spares others a form they cannot send.
        require(current_actor(), "register", kind="audit")
    return create_form(
        _("Registrera granskning"), _("Registrera"), AUDIT_FIELDS,
        lambda values: register_audit(get_session(), current_actor(), values),
        lambda audit: url_for("audits.audit_page", audit_id=audit.id), _("Granskningen är registrerad."))


def _render_audit(audit_id: int, status: int = 200, **extra):
    actor = current_actor()
    page = case_pages.audit_page(get_session(), actor, audit_id)
    context = dict(audit=page.case, offer=page.offer, fields=RECOMMENDATION_FIELDS,
                   values={}, errors={}, message=None, transitions=page.transitions, records=page.records,
                   document_message=None, history=page.history)
    context.update(extra)
    return render_template("audits/page.html", **context), status


@bp.route("/granskningar/<int:audit_id>")
def audit_page(audit_id: int):
    return _render_audit(audit_id)


@bp.route("/granskningar/<int:audit_id>/rekommendationer", methods=["POST"])
def recommendation_add(audit_id: int):
    values = request.form.to_dict()
    try:
        rec = add_recommendation(get_session(), current_actor(), audit_id, values.get("number"), values.get("text", ""))
    except ValidationError as exc:
        return _render_audit(audit_id, 422, values=values, errors=exc.fields, message=exc.message)
    flash(_("Rekommendation %(number)s är registrerad.", number=rec.number), "success")
    return redirect(url_for("audits.audit_page", audit_id=audit_id))


def _answer_values(rec) -> dict:
    return {"answer": rec.answer or "", "measure_ids": ", ".join(str(m.id) for m in rec.measures),
            "no_measure_reason": rec.no_measure_reason or ""}


def _render_recommendation(rec_id: int, status: int = 200, **extra):
    actor = current_actor()
    page = case_pages.recommendation_page(get_session(), actor, rec_id)
    rec = page.case
    context = dict(rec=rec, offer=page.offer, transitions=page.transitions, history=page.history,
                   fields=ANSWER_FIELDS, values=_answer_values(rec),
                   errors={}, message=None, stale=False, version=rec.version, people=page.people)
    context.update(extra)
    return render_template("audits/recommendation.html", **context), status


@bp.route("/rekommendationer/<int:rec_id>")
def recommendation_page(rec_id: int):
    return _render_recommendation(rec_id)


@bp.route("/rekommendationer/<int:rec_id>/svar", methods=["POST"])
def answer(rec_id: int):
    values = request.form.to_dict()
    changes = {f.name: values.get(f.name, "") for f in ANSWER_FIELDS if f.name in values}
    if "measure_ids" in changes:
        changes["measure_ids"] = changes["measure_ids"].replace(",", " ").split()
    form = dict(values=values, version=values.get("version", ""))
    try:
        version = read_version()
        if version is None:
            raise StaleCase("")
        update_recommendation(get_session(), current_actor(), rec_id, changes, expected_version=version)
    except ValidationError as exc:
        return _render_recommendation(rec_id, 422, errors=exc.fields, message=exc.message, **form)
    except StaleCase:
        return _render_recommendation(rec_id, 409, stale=True, **form)
    except GuardFailed as exc:
        return _render_recommendation(rec_id, status_for(exc), message=exc.message, **form)
    flash(_("Svaret är sparat."), "success")
    return redirect(url_for("audits.recommendation_page", rec_id=rec_id))


@bp.route("/rekommendationer/<int:rec_id>/steg/<trigger>", methods=["GET", "POST"])
def transition(rec_id: int, trigger: str):
    return transition_form("recommendation", rec_id, trigger, "audits.recommendation_page", "rec_id")


@bp.route("/granskningar/<int:audit_id>/steg/<trigger>", methods=["GET", "POST"])
def audit_transition(audit_id: int, trigger: str):
    return transition_form("audit", audit_id, trigger, "audits.audit_page", "audit_id")


# --- editing the audit: what the yttrande says besides the answers --------------------------------

@bp.route("/granskningar/<int:audit_id>/andra", methods=["GET", "POST"])
def audit_edit(audit_id: int):
    session = get_session()
    actor = current_actor()
    audit = read_case(session, "audit", audit_id)
    fields = AUDIT_FIELDS
    context = dict(audit=audit, fields=fields, errors={}, message=None, stale=False)
    if request.method == "GET":
        # The service checks again on POST; this only spares others a form they cannot send.
        require(actor, "edit", audit)
        values = {f.name: form_value(getattr(audit, f.name)) for f in AUDIT_FIELDS}
        return render_template("audits/edit.html", values=values, version=audit.version, **context)
    values = request.form.to_dict()
    changes = {f.name: values.get(f.name, "") for f in AUDIT_FIELDS}
    form = dict(values=values, version=values.get("version", ""))
    try:
        version = read_version()
        if version is None:
            raise StaleCase("")
        update_audit(session, actor, audit_id, changes, expected_version=version)
    except ValidationError as exc:
        return render_template("audits/edit.html", **{**context, **form, "errors": exc.fields,
                                                      "message": exc.message}), 422
    except StaleCase:
        return render_template("audits/edit.html", **{**context, **form, "stale": True}), 409
    flash(_("Granskningens uppgifter är sparade."), "success")
    return redirect(url_for("audits.audit_page", audit_id=audit_id))


# --- the yttrande: drafts for everyone, registration by the registrar ----------------------------

@bp.route("/granskningar/<int:audit_id>/utkast.pdf")
def yttrande_draft(audit_id: int):
    """Always a draft marked UTKAST, even after a version is registered: to see what a new one would say."""
    found = documents.draft_yttrande(get_session(), current_actor(), audit_id)
    return send_document(found.content, found.filename, found.media_type)


@bp.route("/granskningar/<int:audit_id>/yttrande.pdf")
def yttrande_pdf(audit_id: int):
    """The latest registered version (else a draft), as the API serves it."""
    found = documents.current_yttrande(get_session(), current_actor(), audit_id)
    return send_document(found.content, found.filename, found.media_type, record=found.record)


@bp.route("/granskningar/<int:audit_id>/yttrande.docx")
def yttrande_docx(audit_id: int):
    found = documents.yttrande_docx(get_session(), current_actor(), audit_id)
    return send_document(found.content, found.filename, found.media_type, attachment=True)


@bp.route("/granskningar/<int:audit_id>/yttrande", methods=["POST"])
def yttrande_register(audit_id: int):
    """"Skapa yttrande": the service decides who may and when, at once; the job registers, and its page
    comes back here with the registration told."""
    try:
        answer = request_registration(current_actor(), audit_id)
    except ValidationError as exc:
        detail = " ".join([exc.message, *exc.fields.values()])
        return _render_audit(audit_id, 422, document_message=detail)
    except (GuardFailed, PermissionDenied, TooManyJobs) as exc:
        return _render_audit(audit_id, status_for(exc), document_message=exc.message)
    return redirect(url_for("jobs.job_page", job_id=answer.job.id), 303)


# --- the follow-up: each recommendation, its answer and where the promised measures stand now ------------

@bp.route("/granskningar/<int:audit_id>/uppfoljning")
def follow_up(audit_id: int):
    view = audit_follow_up(get_session(), current_actor(), audit_id)
    return render_template("audits/follow_up.html", view=view, audit=view.audit)


@bp.route("/granskningar/<int:audit_id>/uppfoljning.pdf")
def follow_up_pdf(audit_id: int):
    found = follow_up_document(get_session(), current_actor(), audit_id)
    return send_document(found.content, found.filename, found.media_type)
