"""Spreadsheet import over the API, as the upload page does it: send the file and get the preview (nothing is
imported), then confirm the previewed file by its SHA-256 — a job (202) that imports it all or nothing.

The file is the request body itself (`Content-Type` of an .xlsx or .csv), up to the upload page's 10 MB.
"""
from __future__ import annotations

from flask import request, url_for
from marshmallow import fields

from kfflow.errors import ValidationError
from kfflow.importing.readers import MAX_FILE_BYTES, ImportFileError
from kfflow.services.importing import ImportRejected, preview_upload, require_importer, stage_upload
from webui.api import schemas as s
from webui.api.framework import Answer, operation
from webui.api.jobs import JobSchema
from webui.db import get_session
from webui.jobs import REFRESH_SECONDS, request_import

IMPORT = "Import"
# The multipart-free body is the file itself; a little room over the file limit so that the file's own
# check answers (with its Swedish message) rather than the generic 413.
MAX_BODY_BYTES = MAX_FILE_BYTES + 1


class ImportQuerySchema(s.RequestSchema):
    filename = s.text(200, required=True, metadata={"description": "Filens namn, med .xlsx eller .csv"})
    update = s.Boolean(load_default=False, metadata={
        "description": "Uppdatera åtgärder som redan finns (annars lämnas de orörda)"})


class ConfirmImportSchema(s.RequestSchema):
    sha256 = s.text(64, required=True, metadata={"description": "`sha256` ur förhandsgranskningen"})
    update = s.Boolean(load_default=False, metadata={"description": "Som i förhandsgranskningen"})


class ImportPreviewSchema(s.ResponseSchema):
    upload_id = s.Integer(required=True, metadata={"description": "Den sparade filen: bekräfta med den"})
    file_name = s.Text(required=True)
    sha256 = s.Text(required=True)
    update = s.Boolean(required=True)
    created = fields.Function(lambda r: len(r.created), required=True, metadata={"type": "integer"})
    updated = fields.Function(lambda r: len(r.updated), required=True, metadata={"type": "integer"})
    differing = fields.Function(lambda r: len(r.differing), required=True, metadata={"type": "integer"})
    unchanged = fields.Function(lambda r: len(r.unchanged), required=True, metadata={"type": "integer"})
    notes = s.List(s.Text(), required=True)


def _refused(exc: ImportRejected | ImportFileError) -> ValidationError:
    """The file's errors as a 422 whose `fields` name the file: one line per row error."""
    lines = getattr(exc, "lines", None) or ["Inget har sparats."]
    return ValidationError(exc.message, {"file": " ".join(lines[:200])})


@operation("/imports", "POST", summary="Läs in åtgärder från fil (förhandsgranska)", tag=IMPORT,
           query=ImportQuerySchema(), response=ImportPreviewSchema(), errors=(403, 422, 503))
def preview_import(user, args):
    """Filen är begärans kropp (.xlsx eller .csv, högst 10 MB). Svarar med vad en import skulle göra; inget
    importeras förrän filen bekräftas med `POST /imports/<upload_id>`. En fil med fel sparas inte."""
    require_importer(user)  # before the body is read
    request.max_content_length = MAX_BODY_BYTES
    try:
        stored = stage_upload(get_session(), user, request.stream, args["filename"])
        result = preview_upload(get_session(), user, stored.id, update=args["update"])
    except (ImportRejected, ImportFileError) as exc:
        raise _refused(exc) from None
    result.upload_id = stored.id
    return result


@operation("/imports/<int:upload_id>", "POST", summary="Bekräfta importen", tag=IMPORT, status=202,
           body=ConfirmImportSchema(), response=JobSchema(), headers=("Location", "Retry-After"),
           errors=(403, 422, 429, 503))
def confirm_import(user, upload_id, data):
    """Importerar exakt den förhandsgranskade filen (samma `sha256`), allt eller inget, som ett jobb: 202 och
    jobbet; när det är klart anger dess `outcome` hur många åtgärder som skapades och uppdaterades."""
    try:
        job = request_import(user, upload_id, expected_sha256=data["sha256"], update=data["update"]).job
    except (ImportRejected, ImportFileError) as exc:
        raise _refused(exc) from None
    return Answer(job, {"Location": url_for("api.get_job", job_id=job.id), "Retry-After": str(REFRESH_SECONDS)})
