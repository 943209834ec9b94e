"""The spreadsheet import over the API, as on the page: upload → preview (the file kept in the database under
an id, so any node can confirm) → confirm with the file's SHA-256, which answers 202 and the job that imports
(docs/architecture.md, "Jobs"). The same services and the same limits."""
from __future__ import annotations

from flask import url_for
from marshmallow import fields, validate

from kfflow.importing.readers import MAX_FILE_BYTES, ImportFileError
from kfflow.errors import ValidationError
from kfflow.services.importing import PREVIEW_LISTED, ImportRejected, ImportResult, upload_and_preview
from kfflow.workflow.fields import to_record
from webui.api import schemas as s
from webui.api.framework import Answer, operation
from webui.api.jobs import JobSchema
from webui.db import get_session
from webui.jobs import REFRESH_SECONDS, request_import
from webui.limits import MAX_UPLOAD_REQUEST_BYTES

TAG = "Import"
TOO_LARGE = f"Filen är för stor. Högst {MAX_FILE_BYTES // 1024 // 1024} MB kan läsas in; dela upp filen."


class UploadFormSchema(s.RequestSchema):
    update = s.Boolean(load_default=False, metadata={"description": "Uppdatera befintliga åtgärder som skiljer sig "
                                                                    "från filen (annars lämnas de orörda)"})


class ConfirmSchema(s.RequestSchema):
    sha256 = s.Text(required=True, validate=validate.Regexp(r"^[0-9a-f]{64}$", error="Ange filens SHA-256 (64 "
                                                                                     "hexadecimala tecken)."),
                    metadata={"description": "`sha256` ur förhandsgranskningen: bara den filen läses in"})
    update = s.Boolean(load_default=False, metadata={"description": "Som vid uppladdningen"})


class CountsSchema(s.ResponseSchema):
    created = s.Integer(required=True)
    updated = s.Integer(required=True)
    differing = s.Integer(required=True, metadata={"description": "Skiljer sig från filen men lämnas orörda"})
    unchanged = s.Integer(required=True)


class CreatedRowSchema(s.ResponseSchema):
    row = s.Integer(required=True, metadata={"description": "Radnumret i filen"})
    title = s.Text(required=True)
    state = s.Text(required=True)


class ChangeSchema(s.ResponseSchema):
    from_ = fields.Raw(required=True, allow_none=True, data_key="from")
    to = fields.Raw(required=True, allow_none=True)


class MatchedRowSchema(s.ResponseSchema):
    row = s.Integer(required=True)
    measure_id = s.Integer(required=True)
    changes = fields.Dict(keys=fields.String(), values=fields.Nested(ChangeSchema), required=True)
    notes = fields.List(s.Text(), required=True)


class ImportResultSchema(s.ResponseSchema):
    upload = s.Integer(required=True, allow_none=True,
                       metadata={"description": "Den lagrade filens id att bekräfta (null när den är inläst)"})
    file_name = s.Text(required=True)
    sha256 = s.Text(required=True)
    update = s.Boolean(required=True)
    imported = s.Boolean(required=True, metadata={"description": "false: en förhandsgranskning, inget är sparat"})
    counts = fields.Nested(CountsSchema, required=True)
    created = fields.List(fields.Nested(CreatedRowSchema), required=True,
                          metadata={"description": f"De första {PREVIEW_LISTED}"})
    updated = fields.List(fields.Nested(MatchedRowSchema), required=True)
    differing = fields.List(fields.Nested(MatchedRowSchema), required=True)
    created_ids = fields.List(s.Integer(), required=True)
    notes = fields.List(s.Text(), required=True)


def _matched(m) -> dict:
    return {"row": m.plan.row, "measure_id": m.measure.id, "notes": list(m.notes),
            "changes": {name: {"from_": to_record(old), "to": to_record(new)}
                        for name, (old, new) in m.changes.items()}}


def _result(result: ImportResult, upload: int | None) -> dict:
    return {"upload": upload, "file_name": result.file_name, "sha256": result.sha256, "update": result.update,
            "imported": not result.dry_run,
            "counts": {"created": len(result.created), "updated": len(result.updated),
                       "differing": len(result.differing), "unchanged": len(result.unchanged)},
            "created": [{"row": p.row, "title": p.values.get("title", ""), "state": p.state}
                        for p in result.created[:PREVIEW_LISTED]],
            "updated": [_matched(m) for m in result.updated[:PREVIEW_LISTED]],
            "differing": [_matched(m) for m in result.differing[:PREVIEW_LISTED]],
            "created_ids": list(result.created_ids), "notes": list(result.notes)}


def _refused(exc: ImportRejected | ImportFileError) -> ValidationError:
    """The page's Swedish report, each error with its row and column, under `fields.file`."""
    lines = exc.lines if isinstance(exc, ImportRejected) else []
    return ValidationError(exc.message, {"file": "\n".join(lines) or exc.message})


@operation("/imports", "POST", summary="Ladda upp en fil att läsa in", tag=TAG, status=201,
           body=UploadFormSchema(), files=("file",), response=ImportResultSchema(), headers=("Location",),
           max_bytes=MAX_UPLOAD_REQUEST_BYTES, too_large=TOO_LARGE, errors=(403,))
def upload_import(user, data, files):
    """multipart/form-data med `file` (.xlsx eller .csv, högst 10 MB) och `update`. Inget sparas ännu: svaret
    säger vad en import skulle göra, och `upload` och `sha256` bekräftar den (på vilken nod som helst, inom ett
    dygn). En fil med fel får 422 med varje fels rad och kolumn i `fields.file` och sparas inte."""
    upload = files["file"]
    if upload is None or not upload.filename:
        raise ValidationError("Välj en fil att läsa in.", {"file": "Välj en fil att läsa in."})
    try:
        stored, result = upload_and_preview(get_session(), user, upload.stream, upload.filename,
                                            update=data["update"])
    except (ImportRejected, ImportFileError) as exc:
        raise _refused(exc) from None
    return Answer(_result(result, stored.id), {"Location": f"/api/v1/imports/{stored.id}"})


@operation("/imports/<int:upload_id>", "POST", summary="Bekräfta en förhandsgranskad import", tag=TAG, status=202,
           body=ConfirmSchema(), response=JobSchema(), headers=("Location", "Retry-After"), errors=(403, 429, 503))
def confirm_import(user, upload_id, data):
    """Läser in exakt den förhandsgranskade filen (samma `sha256`), allt eller inget, som ett jobb: 202 och
    jobbet (`Location`); när det är klart anger dess `outcome` hur många åtgärder som skapades och uppdaterades
    (och vilka). Filen tas bort i samma transaktion: den kan inte läsas in två gånger. Bara den som laddade upp
    filen kan bekräfta den; en fil som inte kan bekräftas får svar direkt (422)."""
    try:
        job = request_import(user, upload_id, update=data["update"], expected_sha256=data["sha256"]).job
    except (ImportRejected, ImportFileError) as exc:
        raise _refused(exc) from None
    return Answer(job, {"Location": url_for("api.get_job", job_id=job.id), "Retry-After": str(REFRESH_SECONDS)})
