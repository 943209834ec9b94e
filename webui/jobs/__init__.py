"""Jobs on the web and in the API: a heavy document answers with its cached result or with a job to follow;
registering a yttrande and confirming an import answer with a job.

The page `/jobb/<id>` refreshes itself (a meta refresh: no script, so the CSP stays strict) until the job
ends, then sends the browser on to what it made: the document, the audit's page with the registration told,
the import's result; `/api/v1/jobs/<id>` is the same for API clients (`result_url`, `outcome`).
"""
from __future__ import annotations

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _

from kfflow.jobs.queue import JobQueue
from kfflow.services import jobs
from webui.auth import current_actor
from webui.db import get_session

bp = Blueprint("jobs", __name__, template_folder="templates")
# How often the waiting page asks again, in seconds.
REFRESH_SECONDS = 2


def job_queue() -> JobQueue:
    return current_app.extensions["kfflow_jobs"]


def _limit() -> int:
    return current_app.config["KFFLOW_SETTINGS"].jobs_per_user


def request_document(actor, kind: str, params: dict) -> jobs.JobAnswer:
    """The one service call behind every heavy document route, web and API."""
    return jobs.request_document(get_session(), actor, kind, params, job_queue(), limit=_limit())


def request_registration(actor, audit_id: int) -> jobs.JobAnswer:
    """Registering a yttrande, web and API: refused at once, or a job."""
    return jobs.request_registration(get_session(), actor, audit_id, job_queue(), limit=_limit())


def request_import(actor, upload_id: int, *, expected_sha256: str, update: bool) -> jobs.JobAnswer:
    """Confirming a previewed import, web and API: refused at once, or a job."""
    return jobs.request_import(get_session(), actor, upload_id, expected_sha256=expected_sha256, update=update,
                               queue=job_queue(), limit=_limit())


def send_result(actor, job_id: int):
    from webui.documents import send_document

    result = jobs.job_result(get_session(), actor, job_id)
    return send_document(result.content, result.filename, result.media_type)


def api_result_url(job) -> str | None:
    """Where a finished job's result is: the document it made; the registered yttrande; none for an import
    (its `outcome` says what it did)."""
    if job.state != "done":
        return None
    if job.kind == jobs.REGISTRATION:
        return url_for("api.yttrande_pdf", audit_id=job.params["audit_id"])
    if job.kind == jobs.IMPORT:
        return None
    return url_for("api.job_result", job_id=job.id)


def api_job_json(job) -> dict:
    from webui.api.jobs import JobSchema

    return JobSchema().dump(job)


def api_document_answer(actor, answer: jobs.JobAnswer):
    """200 with the document when a result made from the same data exists, else 202 and the job to poll."""
    if answer.ready:
        return send_result(actor, answer.job.id)
    return api_job_accepted(answer.job)


def api_job_accepted(job):
    """202 with the job, its address in Location, and when to ask again."""
    response = jsonify(api_job_json(job))
    response.status_code = 202
    response.headers["Location"] = url_for("api.get_job", job_id=job.id)
    response.headers["Retry-After"] = str(REFRESH_SECONDS)
    return response


def web_document_answer(actor, answer: jobs.JobAnswer):
    if answer.ready:
        return send_result(actor, answer.job.id)
    return redirect(url_for("jobs.job_page", job_id=answer.job.id), 303)


def _registration_done(job):
    done = job.outcome
    flash(_("Yttrandet är registrerat som version %(version)s, handling nr %(number)s i %(dnr)s "
            "(SHA-256 %(sha)s).", version=done["version"], number=done["document_number"],
            dnr=done["diarienummer"], sha=done["sha256"]), "success")
    return redirect(url_for("audits.audit_page", audit_id=done["audit_id"]) + "#yttrande", 303)


def _import_done(job):
    from webui.imports.views import import_result_page

    return import_result_page(job.outcome)


# What the waiting page becomes when a job that writes is done (a document job shows its document).
DONE_PAGES = {jobs.REGISTRATION: _registration_done, jobs.IMPORT: _import_done}


@bp.route("/jobb/<int:job_id>")
def job_page(job_id: int):
    job = jobs.job_for(get_session(), current_actor(), job_id)
    if job.state == "done":
        if job.kind in DONE_PAGES:
            return DONE_PAGES[job.kind](job)
        return redirect(url_for("jobs.job_result", job_id=job.id), 303)
    if job.kind == jobs.IMPORT:
        failed, back = _("Inget har lästs in."), (url_for("imports.upload"), _("Till inläsningen"))
    elif job.kind == jobs.REGISTRATION:
        failed = _("Yttrandet har inte registrerats.")
        back = (url_for("audits.audit_page", audit_id=job.params["audit_id"]), _("Till granskningen"))
    else:
        failed, back = _("Det gick inte att skapa dokumentet."), (url_for("measures.measure_list"),
                                                                  _("Till åtgärderna"))
    return render_template("jobs/job.html", job=job, label=jobs.job_label(job), failed=failed, back=back,
                           refresh=REFRESH_SECONDS if job.waiting else None)


@bp.route("/jobb/<int:job_id>/resultat")
def job_result(job_id: int):
    return send_result(current_actor(), job_id)
