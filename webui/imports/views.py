from __future__ import annotations

import io

from flask import redirect, render_template, request, send_file, url_for
from flask import session as flask_session
from flask_babel import gettext as _
from werkzeug.exceptions import NotFound, RequestEntityTooLarge

from kfflow.importing.export import EXPORT_TYPES, measures_file
from kfflow.importing.mapping import measure_columns
from kfflow.importing.readers import MAX_FILE_BYTES, ImportFileError
from kfflow.errors import TooManyJobs
from kfflow.services.importing import (PREVIEW_LISTED, ImportRejected, require_importer,
                                      upload_and_preview)
from kfflow.workflow import get_workflows
from webui.auth import current_actor
from webui.db import get_session
from webui.imports import bp
from kfflow.services import secrecy
from webui.jobs import request_import
from webui.limits import MAX_UPLOAD_REQUEST_BYTES
from kfflow.services.measure_list import all_measures
from webui.measures.listing import ListArgs
from kfflow.clock import local_today

REQUEST_LIMITS = {"imports.upload": MAX_UPLOAD_REQUEST_BYTES, "imports.confirm": 64 * 1024}
PREVIEW_KEY = "import_preview"  # in the signed session cookie: which stored upload this browser previewed


@bp.url_value_preprocessor
def _limit_upload(endpoint, values):
    # Runs before any before_request handler, so the limit holds before the CSRF check parses the form.
    if endpoint in REQUEST_LIMITS and request.method == "POST":
        request.max_content_length = REQUEST_LIMITS[endpoint]


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(exc):
    message = _("Filen är för stor. Högst %(mb)s MB kan läsas in; dela upp filen.", mb=MAX_FILE_BYTES // 1024 // 1024)
    return _upload_page(message=message, status=413)


def _upload_page(*, message: str | None = None, lines=(), update: bool = False, status: int = 200):
    return render_template("imports/upload.html", message=message, lines=list(lines), update=update,
                           max_mb=MAX_FILE_BYTES // 1024 // 1024), status


def _refused(exc: ImportRejected | ImportFileError, update: bool):
    """The upload page with the Swedish report: row and column of each error, or why the file is unreadable."""
    lines = exc.lines if isinstance(exc, ImportRejected) else [_("Inget har sparats.")]
    return _upload_page(message=exc.message, lines=lines, update=update, status=422)


@bp.route("/atgarder/importera", methods=["GET", "POST"])
def upload():
    """Store the file in the database and show what an import would do, or why it cannot be done."""
    actor = current_actor()
    require_importer(actor)
    if request.method == "GET":
        return _upload_page()
    update = request.form.get("uppdatera") == "1"
    upload_file = request.files.get("fil")
    if upload_file is None or not upload_file.filename:
        return _upload_page(message=_("Välj en fil att läsa in."), update=update, status=422)
    previous = flask_session.pop(PREVIEW_KEY, None)
    try:
        stored, result = upload_and_preview(get_session(), actor, upload_file.stream, upload_file.filename,
                                            update=update, replaces=previous and previous.get("upload"))
    except (ImportRejected, ImportFileError) as exc:
        return _refused(exc, update)
    # Only the upload's id: any node reads the bytes from the database.
    flask_session[PREVIEW_KEY] = {"upload": stored.id, "update": update}
    return render_template("imports/preview.html", result=result, **_table_context())


@bp.route("/atgarder/importera/bekrafta", methods=["POST"])
def confirm():
    """Import exactly the previewed upload: the form names its SHA-256 and the service compares."""
    actor = current_actor()
    require_importer(actor)
    preview = flask_session.get(PREVIEW_KEY)
    if not preview or "upload" not in preview:
        return _upload_page(message=_("Det finns ingen förhandsgranskad fil att läsa in. Ladda upp filen igen."),
                            status=422)
    try:
        answer = request_import(actor, preview["upload"], update=preview["update"],
                                expected_sha256=request.form.get("sha256", ""))
    except (ImportRejected, ImportFileError) as exc:
        return _refused(exc, preview["update"])
    except TooManyJobs as exc:
        return _upload_page(message=exc.message, update=preview["update"], status=429)
    flask_session.pop(PREVIEW_KEY, None)
    # The import runs as a job (all or nothing, in the transaction that ends it); its page shows the result.
    return redirect(url_for("jobs.job_page", job_id=answer.job.id), 303)


def import_result_page(outcome: dict):
    """What a confirmed import did (its job's outcome)."""
    return render_template("imports/result.html", result=outcome, **_table_context())


def _table_context() -> dict:
    """What the row tables name things by: the file's column headings and the lifecycle's state labels."""
    states = get_workflows().current("measure").states
    return {"headings": {c.field: c.heading for c in measure_columns()},
            "state_labels": {name: s.label for name, s in states.items()}, "listed": PREVIEW_LISTED}


@bp.route("/atgarder/exportera.<fmt>")
def export_measures(fmt: str):
    """The measure list's filtered set (all pages, in its order) in the import's columns."""
    if fmt not in EXPORT_TYPES:
        raise NotFound()
    session = get_session()
    seen = secrecy.lens(session, current_actor())
    listed = ListArgs.parse(request.args, seen.hidden_ids("measure"))
    data = measures_file(session, seen.view(all_measures(session, listed.filter, sort=listed.sort_key), "measure"),
                         fmt)
    return send_file(io.BytesIO(data), mimetype=EXPORT_TYPES[fmt], as_attachment=True,
                     download_name=f"atgarder-{local_today().isoformat()}.{fmt}")
