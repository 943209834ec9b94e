"""schemathesis against /api/v1/openapi.json, in-process: no 500, and every answer matches the description."""
from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, response_headers_conformance,
                                               response_schema_conformance, status_code_conformance)

from kfflow.services.audits import add_recommendation, register_audit
from webui.api.framework import OPERATIONS

from tests.factories import measure_in_state

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
# A deeper run by hand: KFFLOW_FUZZ_EXAMPLES=200 KFFLOW_FUZZ_DB=postgresql pytest tests/test_api_schemathesis.py
EXAMPLES_PER_OPERATION = int(os.environ.get("KFFLOW_FUZZ_EXAMPLES", "12"))


# SQLite by default: fuzzing the same code on PostgreSQL too adds minutes and little (the matrix runs on both).
@pytest.mark.parametrize("db_url", [os.environ.get("KFFLOW_FUZZ_DB", "sqlite")], indirect=True)
@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: f"{op.method} {op.rule}")
def test_operation_answers_as_described(op, app, api, session, users):
    # Something to find at id 1, so the fuzzer reaches past 404.
    measure_in_state(session, users, "decided")
    audit = register_audit(session, users["registrar"], {"name": "Granskning", "number": "1/2023", "subject": "Ämne"})
    add_recommendation(session, users["registrar"], audit.id, 1, "Gör något.")
    username = ("registrar" if any(word in op.rule for word in ("audit", "recommendation", "imports"))
                else "admin" if op.rule.startswith("/admin") else "steering")
    headers = {"Authorization": f"Bearer {api.token(username)}"}

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operation = schema[op.rule.replace("<int:", "{").replace(">", "}")][op.method]

    @given(case=operation.as_strategy() | operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))
    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def answers_as_described(case):
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)

    answers_as_described()
