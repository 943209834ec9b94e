"""Every API route × every kind of caller, with the expected status: one table, read from one place.

A route of the `api` blueprint without a row fails the test. Besides the roles the table has another
owner (who must not touch someone else's measure) and a deactivated user whose token was valid before.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
import io
from typing import Callable

import pytest
from sqlalchemy import func, select

from kfflow.models import Measure, Recommendation, User
from kfflow.services.audits import add_recommendation, register_audit
from kfflow.services.cases import fire
from kfflow.services.users import set_active

from tests.api_support import days_ahead
from tests.audit_factories import answered_audit, decide
from tests.conftest import TEST_PASSWORD
from kfflow.services.measures import add_progress_report
from tests.factories import measure_in_state
from tests.jobs_support import finished_job, hold_jobs

CALLERS = ("anonymous", "contributor", "owner", "council", "steering", "registrar", "admin", "other_owner",
           "deactivated")


@dataclass(frozen=True)
class Row:
    method: str
    rule: str
    setup: Callable | None      # (session, users) -> values for the path and the body
    body: Callable | None       # (values, caller) -> JSON body
    expect: str                 # one status per caller, in the order of CALLERS
    credentials_in_body: bool = False
    note: str = ""
    query: str = ""
    multipart: bool = False

    def expected(self) -> dict[str, int]:
        codes = self.expect.split()
        assert len(codes) == len(CALLERS), self
        return dict(zip(CALLERS, map(int, codes)))


def _version(session, model, case_id):
    session.expire_all()
    return session.get(model, case_id).version


def decided_measure(session, users):
    m = measure_in_state(session, users, "decided")
    return {"measure_id": m.id, "version": _version(session, Measure, m.id)}


def frozen_lagesbild(session, users):
    from kfflow.services.lagesbild_snapshots import freeze_lagesbild

    return {"snapshot_id": freeze_lagesbild(session, users["steering"]).id}


INDICATOR = {"name": "Sjukfrånvaro bland sjuksköterskor", "unit": "%", "direction": "lower", "baseline": 7.9,
             "baseline_date": "2024-12-31", "target": 6.5, "target_date": "2027-12-31", "frequency_days": 90}


def measure_with_indicator(session, users):
    from kfflow.services.indicators import add_indicator

    m = measure_in_state(session, users, "decided")
    return {"indicator_id": add_indicator(session, users["steering"], m.id, dict(INDICATOR)).id}


def measure_with_attachment(session, users):
    from kfflow.evidence import Upload
    from kfflow.services.evidence import attachments_of
    from tests.evidence_files import pdf_bytes

    m = measure_in_state(session, users, "decided")
    add_progress_report(session, users["owner"], m.id, done="Gjort.", ongoing=None, planned=None,
                        attachments=[Upload("beslut.pdf", pdf_bytes())])
    return {"attachment_id": attachments_of(session, "measure", m.id)[0].id}


def prioritised_measure(session, users):
    m = measure_in_state(session, users, "prioritised")
    return {"measure_id": m.id, "version": _version(session, Measure, m.id)}


def audit(session, users):
    a = register_audit(session, users["registrar"], {"name": "Granskning", "number": "7/2022", "subject": "Ämne"})
    return {"audit_id": a.id, "version": a.version}


def recommendation(session, users, *, assigned=True):
    values = audit(session, users)
    rec = add_recommendation(session, users["registrar"], values["audit_id"], 1, "Säkerställ en plan.")
    if assigned:
        fire(session, users["registrar"], rec, "assign", {"owner": "owner"})
    return {**values, "rec_id": rec.id, "version": _version(session, Recommendation, rec.id)}


def owners_finished_job(session, users):
    return {"job_id": finished_job(session, users["owner"]).id}


def registered_recommendation(session, users):
    return recommendation(session, users, assigned=False)


KEY = {"name": "Matrisens nyckel", "expires": days_ahead(30)}
_service_names = itertools.count(1)


def owners_key(session, users):
    from kfflow.services.api_keys import create_my_key

    return {"token_id": create_my_key(session, users["owner"], KEY["name"], KEY["expires"], max_days=365).key.id}


def service_account(session, users):
    from kfflow.services.service_accounts import create_service_account

    account = create_service_account(session, users["admin"], username=f"integration{next(_service_names)}",
                                     role="contributor")
    return {"account_id": account.id}


def service_accounts_key(session, users):
    from kfflow.services.service_accounts import create_service_key

    values = service_account(session, users)
    made = create_service_key(session, users["admin"], values["account_id"], KEY["name"], KEY["expires"],
                              max_days=365)
    return {**values, "token_id": made.key.id}


#                                      anon contr owner counc steer regis admin other deact
ROWS = [
    Row("POST", "/tokens", None, lambda v, who: {"username": who, "password": TEST_PASSWORD},
        "401 201 201 201 201 201 201 201 401", credentials_in_body=True,
        note="anonymous sends a wrong password; the deactivated user's right password is refused"),
    Row("DELETE", "/tokens/current", None, None, "401 204 204 204 204 204 204 204 401"),
    Row("DELETE", "/tokens", None, None, "401 204 204 204 204 204 204 204 401", note="sign out everywhere"),
    Row("PUT", "/account/password", None,
        lambda v, who: {"current_password": "wrong-password", "new_password": "grön-kaffe-tåg-Kalmar"},
        "401 422 422 422 422 422 422 422 401", note="a wrong current password changes nothing"),
    Row("GET", "/openapi.json", None, None, "200 200 200 200 200 200 200 200 200"),
    Row("GET", "/measures", None, None, "401 200 200 200 200 200 200 200 401"),
    Row("POST", "/measures", None, lambda v, who: {"title": f"Förslag från {who}"},
        "401 201 201 201 201 201 201 201 401"),
    Row("GET", "/measures/<int:measure_id>", decided_measure, None, "401 200 200 200 200 200 200 200 401"),
    Row("PATCH", "/measures/<int:measure_id>", decided_measure,
        lambda v, who: {"version": v["version"], "indicator": "Antal sökande"},
        "401 403 200 403 200 200 403 403 401", note="owner edits their own measure; another owner may not"),
    Row("POST", "/measures/<int:measure_id>/transitions", prioritised_measure,
        lambda v, who: {"trigger": "decide", "version": v["version"], "owner": "owner", "due_date": days_ahead(),
                        "decision_ref": "RS § 81"},
        "401 403 403 403 200 403 403 403 401", note="the council has no mandate to decide"),
    Row("POST", "/measures/<int:measure_id>/transitions", decided_measure,
        lambda v, who: {"trigger": "implement", "version": v["version"], "implementation_note": "Klart."},
        "401 403 200 403 200 403 403 403 401", note="IDOR: another owner cannot implement it"),
    Row("POST", "/measures/<int:measure_id>/transitions", decided_measure,
        lambda v, who: {"trigger": "revise_due_date", "version": v["version"], "due_date": days_ahead(60),
                        "reason": "Leveransen dröjer."},
        "401 403 200 403 200 403 403 403 401", note="IDOR: another owner cannot revise its due date"),
    Row("POST", "/measures/<int:measure_id>/progress", decided_measure,
        lambda v, who: {"version": v["version"], "done": "Upphandlat", "ongoing": "Pilot"},
        "401 403 201 403 201 403 403 403 401", note="IDOR: another owner cannot report on it"),
    Row("GET", "/measures/<int:measure_id>/history", decided_measure, None, "401 200 200 200 200 200 200 200 401"),
    Row("GET", "/measures/<int:measure_id>/comments", decided_measure, None, "401 200 200 200 200 200 200 200 401"),
    Row("POST", "/measures/<int:measure_id>/comments", decided_measure, lambda v, who: {"body": f"Från {who}"},
        "401 201 201 201 201 201 201 201 401"),
    Row("POST", "/measures/handover", decided_measure,
        lambda v, who: {"measure_ids": [v["measure_id"]], "to_owner": "other_owner", "reason": "Ny förvaltning"},
        "401 403 403 403 200 403 403 403 401", note="the reassign transition, once per measure"),
    Row("GET", "/audits", None, None, "401 200 200 200 200 200 200 200 401"),
    Row("POST", "/audits", None,
        lambda v, who: {"name": "Granskning", "number": "1/2024", "subject": "Ämne", "diarienummer": "RS/1/2024"},
        "401 403 403 403 403 201 403 403 401"),
    Row("GET", "/audits/<int:audit_id>", audit, None, "401 200 200 200 200 200 200 200 401"),
    Row("PATCH", "/audits/<int:audit_id>", audit,
        lambda v, who: {"version": v["version"], "template": "committee", "summary": "Kort.",
                        "signatories": [{"name": "Anna Andersson (S)", "title": "Ordförande"}]},
        "401 403 403 403 403 200 403 403 401"),
    Row("POST", "/audits/<int:audit_id>/transitions", audit,
        lambda v, who: {"trigger": "start_drafting", "version": v["version"], "owner": "owner"},
        "401 403 403 403 200 200 403 403 401", note="registrar and steering start the yttrande"),
    Row("GET", "/audits/<int:audit_id>/history", audit, None, "401 200 200 200 200 200 200 200 401"),
    Row("POST", "/audits/<int:audit_id>/recommendations", audit, lambda v, who: {"number": 1, "text": "Gör så."},
        "401 403 403 403 403 201 403 403 401"),
    Row("GET", "/recommendations/<int:rec_id>", recommendation, None, "401 200 200 200 200 200 200 200 401"),
    Row("PATCH", "/recommendations/<int:rec_id>", recommendation,
        lambda v, who: {"version": v["version"], "answer": "Regionstyrelsen instämmer."},
        "401 403 200 403 403 200 403 403 401", note="the registrar and the answer's owner, no one else"),
    Row("PATCH", "/recommendations/<int:rec_id>", recommendation,
        lambda v, who: {"version": v["version"], "owner": "other_owner"},
        "401 422 422 422 422 422 422 422 401", note="owner changes only through reassign, whoever asks"),
    Row("POST", "/recommendations/<int:rec_id>/transitions", registered_recommendation,
        lambda v, who: {"trigger": "assign", "version": v["version"], "owner": "owner"},
        "401 403 403 403 200 200 403 403 401"),
    Row("GET", "/recommendations/<int:rec_id>/history", recommendation, None, "401 200 200 200 200 200 200 200 401"),
]


def answered(session, users):
    a, _ = answered_audit(session, users)
    return {"audit_id": a.id}


def decided_audit(session, users):
    a, _ = answered_audit(session, users)
    decide(session, users, a)
    return {"audit_id": a.id}


# The document operations answer with files but authenticate and fail exactly like the rest of the API.
ROWS += [
    Row("GET", "/audits/<int:audit_id>/yttrande.pdf", answered, None, "401 200 200 200 200 200 200 200 401"),
    Row("GET", "/audits/<int:audit_id>/yttrande/draft.pdf", answered, None, "401 200 200 200 200 200 200 200 401"),
    Row("GET", "/audits/<int:audit_id>/yttrande.docx", answered, None, "401 200 200 200 200 200 200 200 401"),
    Row("POST", "/audits/<int:audit_id>/yttrande", decided_audit, None, "401 403 403 403 403 202 403 403 401",
        note="only the registrar registers the final yttrande (a job; refusals are told at once)"),
    Row("GET", "/audits/<int:audit_id>/documents", answered, None, "401 200 200 200 200 200 200 200 401"),
    # The follow-up: the view_follow_up action in audit.yaml (all staff, as the yttrande).
    Row("GET", "/audits/<int:audit_id>/follow-up", decided_audit, None, "401 200 200 200 200 200 200 200 401"),
    Row("GET", "/audits/<int:audit_id>/uppfoljning.pdf", decided_audit, None, "401 200 200 200 200 200 200 200 401"),
    Row("GET", "/reports/delrapport.pdf", None, None, "401 202 202 202 202 202 202 202 401",
        query="?from=2026-01-01&to=2026-03-02", note="a job for each caller (held: none runs during the test)"),
    Row("GET", "/reports/slutredovisning.pdf", None, None, "401 202 202 202 202 202 202 202 401"),
    Row("GET", "/jobs/<int:job_id>", owners_finished_job, None, "401 404 200 404 404 404 404 404 401",
        note="only the person who asked follows a job"),
    Row("GET", "/jobs/<int:job_id>/result", owners_finished_job, None, "401 200 200 200 200 200 200 200 401",
        note="a finished report is anyone's who may ask for the same report"),
    Row("GET", "/measures/export.xlsx", decided_measure, None, "401 200 200 200 200 200 200 200 401"),
    Row("GET", "/measures/export.csv", decided_measure, None, "401 200 200 200 200 200 200 200 401",
        query="?state=decided&sort=-due_date"),
    Row("GET", "/notifications", None, None, "401 200 200 200 200 200 200 200 401", query="?unread=true"),
    Row("POST", "/notifications/read", None, lambda v, who: {}, "401 200 200 200 200 200 200 200 401"),
    Row("GET", "/notifications/preferences", None, None, "401 200 200 200 200 200 200 200 401"),
    Row("PUT", "/notifications/preferences", None, lambda v, who: {"mail_enabled": False, "delivery": "weekly"},
        "401 200 200 200 200 200 200 200 401"),
    Row("GET", "/admin/failed-mail", None, None, "401 403 403 403 403 403 200 403 401"),
    # Named API tokens: one's own (someone else's id is not found), and service accounts' (admins only).
    Row("GET", "/me/tokens", None, None, "401 200 200 200 200 200 200 200 401"),
    Row("POST", "/me/tokens", None, lambda v, who: dict(KEY), "401 201 201 201 201 201 201 201 401"),
    Row("DELETE", "/me/tokens/<int:token_id>", owners_key, None, "401 404 204 404 404 404 404 404 401"),
    Row("GET", "/admin/service-accounts", None, None, "401 403 403 403 403 403 200 403 401"),
    Row("GET", "/admin/account-events", None, None, "401 403 403 403 403 403 200 403 401"),
    Row("POST", "/admin/service-accounts", None, lambda v, who: {"username": f"integration.{who}", "role": "council"},
        "401 403 403 403 403 403 201 403 401"),
    Row("PUT", "/admin/service-accounts/<int:account_id>/active", service_account, lambda v, who: {"active": False},
        "401 403 403 403 403 403 200 403 401"),
    Row("GET", "/admin/service-accounts/<int:account_id>/tokens", service_account, None,
        "401 403 403 403 403 403 200 403 401"),
    Row("POST", "/admin/service-accounts/<int:account_id>/tokens", service_account, lambda v, who: dict(KEY),
        "401 403 403 403 403 403 201 403 401"),
    Row("DELETE", "/admin/service-accounts/<int:account_id>/tokens/<int:token_id>", service_accounts_key, None,
        "401 403 403 403 403 403 204 403 401"),
    # Following a measure up with indicators: its owner or steering (the follow_up action in measure.yaml).
    Row("POST", "/measures/<int:measure_id>/indicators", decided_measure, lambda v, who: dict(INDICATOR),
        "401 403 201 403 201 403 403 403 401"),
    Row("POST", "/indicators/<int:indicator_id>/measurements", measure_with_indicator,
        lambda v, who: {"value": 7.4, "date": "2025-06-30", "source": "HR-statistik"},
        "401 403 201 403 201 403 403 403 401"),
    Row("POST", "/indicators/<int:indicator_id>/measurements/import", measure_with_indicator,
        lambda v, who: {"file": (io.BytesIO("Datum;Värde\n2025-06-30;7,4\n".encode()), "varden.csv")},
        "401 403 201 403 201 403 403 403 401", multipart=True, note="a sheet of measurements: follow_up"),
    Row("GET", "/lagesbild", None, None, "401 200 200 200 200 200 200 200 401"),
    # The ranked list: the bodies that prepare, decide and register (the rank action in measure.yaml).
    Row("GET", "/measures/ranking", prioritised_measure, None, "401 403 403 200 200 200 200 403 401"),
    Row("GET", "/measures/ranking.pdf", prioritised_measure, None, "401 403 403 200 200 200 200 403 401"),
    # Evidence files are read by anyone signed in, like the case they belong to.
    Row("GET", "/attachments/<int:attachment_id>", measure_with_attachment, None,
        "401 200 200 200 200 200 200 200 401"),
    Row("GET", "/lagesbild", None, None, "401 422 422 422 422 422 422 422 401", query="?as_of=2026-13-01",
        note="a bad as_of"),
    # Freezing a lägesbild: the freeze_lagesbild action in measure.yaml (steering and registrars).
    Row("POST", "/lagesbild/snapshots", None, lambda v, who: {}, "401 403 403 403 201 201 403 403 401"),
    Row("GET", "/lagesbild/snapshots", None, None, "401 200 200 200 200 200 200 200 401"),
    Row("GET", "/lagesbild/snapshots/<int:snapshot_id>", frozen_lagesbild, None, "401 200 200 200 200 200 200 200 401"),
    # Secrecy (OSL): marking and lifting are the registrar's (mark_secrecy in roles.yaml). Nothing is marked
    # yet, so lifting is refused as having nothing to lift.
    Row("POST", "/secrecy", decided_measure,
        lambda v, who: {"subject": "measure", "subject_id": v["measure_id"], "ground": "OSL 39:3",
                        "reason": "Uppgifter om en enskild arbetstagare."},
        "401 403 403 403 403 200 403 403 401"),
    Row("POST", "/secrecy/lift", decided_measure,
        lambda v, who: {"subject": "measure", "subject_id": v["measure_id"], "reason": "Prövat: offentlig."},
        "401 403 403 403 403 422 403 403 401"),
]


def victim(session, users):
    from kfflow.services.users import create_user

    count = session.scalar(select(func.count()).select_from(User))
    return {"user_id": create_user(session, None, username=f"offer{count}", role="contributor").id}


def registrars_upload(session, users):
    """A previewed upload of the registrar's: only they may confirm it (anyone else finds no preview)."""
    from kfflow.services.importing import upload_and_preview

    stored, result = upload_and_preview(session, users["registrar"], io.BytesIO(IMPORT_CSV), "plan.csv")
    return {"upload_id": stored.id, "sha256": result.sha256}


IMPORT_CSV = "Åtgärd;Kategori\nMentorskap för nya sjuksköterskor;Behålla\n".encode("utf-8")

# What the administration pages, the notification settings page and the import page do, over the API too.
ROWS += [
    Row("GET", "/admin/users", None, None, "401 403 403 403 403 403 200 403 401"),
    Row("POST", "/admin/users", None, lambda v, who: {"username": f"ny-{who}", "role": "contributor"},
        "401 403 403 403 403 403 201 403 401"),
    Row("PUT", "/admin/users/<int:user_id>/active", victim, lambda v, who: {"active": False},
        "401 403 403 403 403 403 200 403 401"),
    Row("PUT", "/admin/users/<int:user_id>/role", victim, lambda v, who: {"role": "owner"},
        "401 403 403 403 403 403 200 403 401"),
    Row("POST", "/admin/users/<int:user_id>/password", victim, lambda v, who: {},
        "401 403 403 403 403 403 200 403 401"),
    Row("GET", "/calendar-feed", None, None, "401 404 404 404 404 404 404 404 401", note="none made yet"),
    Row("POST", "/calendar-feed", None, None, "401 201 201 201 201 201 201 201 401"),
    Row("POST", "/calendar-feed/renew", None, None, "401 404 404 404 404 404 404 404 401", note="none to renew"),
    Row("DELETE", "/calendar-feed", None, None, "401 200 200 200 200 200 200 200 401"),
    Row("POST", "/imports", None, lambda v, who: {"file": (io.BytesIO(IMPORT_CSV), "plan.csv")},
        "401 403 403 403 201 201 403 403 401", multipart=True, note="the import action in measure.yaml"),
    Row("POST", "/imports/<int:upload_id>", registrars_upload, lambda v, who: {"sha256": v["sha256"]},
        "401 403 403 403 422 202 403 403 401", note="only the uploader finds their preview; the import is a job"),
]


def _row_id(row: Row) -> str:
    return f"{row.method} {row.rule}" + (f" ({row.note})" if row.note else "")


def test_every_api_route_has_a_row(app):
    routes = {(method, rule.rule.removeprefix("/api/v1")) for rule in app.url_map.iter_rules()
              if rule.endpoint.startswith("api.") for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes == {(row.method, row.rule) for row in ROWS}


@pytest.fixture
def deactivated_token(api, make_user, session, users):
    """A steering user's token, taken while the account was active, then the account deactivated."""
    gone = make_user("gone", "steering")
    token = api.token("gone")
    set_active(session, users["admin"], gone.id, False)
    return token


@pytest.mark.parametrize("row", ROWS, ids=_row_id)
def test_route_answers_each_caller_as_the_table_says(row, app, api, session, users, deactivated_token):
    hold_jobs(app)
    got = {}
    for caller in CALLERS:
        values = row.setup(session, users) if row.setup else {}
        path = row.rule
        for name, value in values.items():
            path = path.replace(f"<int:{name}>", str(value))
        username = "gone" if caller == "deactivated" else caller
        body = row.body(values, username) if row.body else None
        token = None
        if row.credentials_in_body:
            body = {**body, "password": "wrong-password"} if caller == "anonymous" else body
        elif caller == "deactivated":
            token = deactivated_token
        elif caller != "anonymous":
            token = api.token(caller)
            if row.method == "DELETE":
                api.tokens.pop(caller)  # revoked by this call: the next row's caller needs a new one
        status, answer = api.call(row.method, path + row.query, body, token=token, multipart=row.multipart)
        got[caller] = status
        if status >= 400:
            assert set(answer["error"]) == {"code", "message", "fields"}, answer
    assert got == row.expected()
