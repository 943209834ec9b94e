"""Jobs on the web and in the API: a heavy document answers with its cached result or with a job to follow.

The page `/jobb/<id>` refreshes itself (a meta refresh: no script, so the CSP stays strict) until the job
ends, then sends the browser on to the result; `/api/v1/jobs/<id>` is the same for API clients.
"""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, url_for

from kfflow.jobs.queue import JobQueue
from kfflow.services import jobs
from webui.auth import current_actor
from webui.db import get_session

bp = Blueprint("jobs", __name__, template_folder="templates")
# How often the waiting page asks again, in seconds.
REFRESH_SECONDS = 2


def job_queue() -> JobQueue:
    return current_app.extensions["kfflow_jobs"]


def request_document(actor, kind: str, params: dict) -> jobs.JobAnswer:
    """The one service call behind every heavy document route, web and API."""
    settings = current_app.config["KFFLOW_SETTINGS"]
    return jobs.request_document(get_session(), actor, kind, params, job_queue(), limit=settings.jobs_per_user)


def send_result(actor, job_id: int):
    from webui.documents import send_document

    result = jobs.job_result(get_session(), actor, job_id)
    return send_document(result.content, result.filename, result.media_type)


def api_result_url(job) -> str | None:
    return url_for("api.job_result", job_id=job.id) if job.state == "done" else None


def api_job_json(job) -> dict:
    return {"id": job.id, "kind": job.kind, "state": job.state, "progress": job.progress,
            "result_url": api_result_url(job), "error": job.error,
            "created_at": job.created_at.isoformat(),
            "finished_at": job.finished_at.isoformat() if job.finished_at else None}


def api_document_answer(actor, answer: jobs.JobAnswer):
    """200 with the document when a result made from the same data exists, else 202 and the job to poll."""
    if answer.ready:
        return send_result(actor, answer.job.id)
    response = jsonify(api_job_json(answer.job))
    response.status_code = 202
    response.headers["Location"] = url_for("api.get_job", job_id=answer.job.id)
    response.headers["Retry-After"] = str(REFRESH_SECONDS)
    return response


def web_document_answer(actor, answer: jobs.JobAnswer):
    if answer.ready:
        return send_result(actor, answer.job.id)
    return redirect(url_for("jobs.job_page", job_id=answer.job.id), 303)


@bp.route("/jobb/<int:job_id>")
def job_page(job_id: int):
    job = jobs.job_for(get_session(), current_actor(), job_id)
    if job.state == "done":
        return redirect(url_for("jobs.job_result", job_id=job.id), 303)
    status = 200
    return render_template("jobs/job.html", job=job, label=jobs.job_label(job),
                           refresh=REFRESH_SECONDS if job.waiting else None), status


@bp.route("/jobb/<int:job_id>/resultat")
def job_result(job_id: int):
    return send_result(current_actor(), job_id)
