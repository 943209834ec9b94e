"""Jobs over the API: what a 202 points to. A document's result is `GET /api/v1/jobs/<id>/result`; a job that
writes tells what it did in `outcome`."""
from __future__ import annotations

from marshmallow import Schema, fields

from kfflow.services import documents
from kfflow.services.jobs import job_for
from webui.api.framework import operation
from webui.db import get_session


class JobSchema(Schema):
    id = fields.Integer(metadata={"description": "Jobbets nummer"})
    kind = fields.String(metadata={"description": "delrapport, slutredovisning, yttrande (registrering) eller "
                                                  "import"})
    state = fields.String(metadata={"description": "queued, running, done eller failed"})
    progress = fields.Integer(metadata={"description": "Hur långt jobbet har kommit, i procent"})
    result_url = fields.Method("_result_url", allow_none=True,
                               metadata={"description": "Var resultatet hämtas när jobbet är klart"})
    outcome = fields.Dict(allow_none=True, metadata={
        "description": "Vad ett jobb som skriver gjorde: det registrerade yttrandet (`document_id`, `diarienummer`, "
                       "`document_number`, `version`, `sha256`) eller importens antal (`created`, `updated`, "
                       "`unchanged`) och rader"})
    error = fields.String(allow_none=True, metadata={"description": "Varför jobbet misslyckades (svenska)"})
    created_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)

    def _result_url(self, job):
        from webui.jobs import api_result_url

        return api_result_url(job)


@operation("/jobs/<int:job_id>", "GET", summary="Följ ett jobb", tag="Jobb", response=JobSchema())
def get_job(user, job_id: int):
    """Ett jobb som en tung begäran (t.ex. en rapport) svarade 202 med; bara den som beställde det ser det."""
    return job_for(get_session(), user, job_id)


@operation("/jobs/<int:job_id>/result", "GET", summary="Ett färdigt jobbs resultat", tag="Jobb",
           produces=(documents.PDF,))
def job_result(user, job_id: int):
    """Dokumentet som jobbet tog fram (`result_url` i jobbet). En färdig rapport är densamma för alla läsare."""
    from webui.jobs import send_result

    return send_result(user, job_id)
