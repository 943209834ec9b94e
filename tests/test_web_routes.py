"""Every page route × every role, from one table. A route the app registers without a row here fails.

Readings are open to all staff (a public body's work is open to its employees); writes follow the
workflow's roles and relations, checked in the services. `other_owner` probes another owner's
measure (IDOR); `deactivated` holds a session opened before an admin deactivated the account and
must be treated as signed out at once.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from kfflow.services.audits import add_recommendation, register_audit
from kfflow.services.cases import fire
from kfflow.services.users import create_user, set_active
from tests.factories import measure_in_state
from tests.jobs_support import finished_job, hold_jobs
from tests.web_support import sign_in

# Steering last: its handover really happens, and must not change what the others see before it.
SIGNED_IN = ("contributor", "owner", "other_owner", "council", "registrar", "admin", "steering")
ROLES = ("anonymous", "deactivated") + SIGNED_IN
LOGIN = 302  # an anonymous request is sent to the sign-in page


def everyone(status: int) -> dict:
    return {role: status for role in SIGNED_IN}


def only(allowed: dict, otherwise: int = 403) -> dict:
    return {role: allowed.get(role, otherwise) for role in SIGNED_IN}


@dataclass(frozen=True)
class Row:
    endpoint: str
    method: str
    path: str                    # formatted with the ids of the cases made for the test
    expected: dict               # signed-in role → status
    data: dict = field(default_factory=dict)
    anonymous: int = LOGIN


ROWS = [
    Row("auth.login", "GET", "/logga-in", everyone(302), anonymous=200),
    Row("auth.login", "POST", "/logga-in", everyone(401), {"username": "nobody-{role}", "password": "wrong-password"},
        anonymous=401),
    Row("auth.logout", "POST", "/logga-ut", everyone(302)),
    Row("auth.account", "GET", "/konto", everyone(200)),
    Row("auth.account", "POST", "/konto", everyone(422),
        {"current_password": "fel-lösenord", "new_password": "grön-kaffe-tåg-Kalmar", "repeat_password": "annat"}),
    Row("auth.sign_out_everywhere", "POST", "/konto/logga-ut-overallt", everyone(302)),
    # Without KFFLOW_OIDC_ISSUER there is no provider to go to (tests/test_oidc_sign_in.py signs in through one).
    Row("auth.oidc_start", "GET", "/logga-in/oidc", everyone(404), anonymous=404),
    Row("auth.oidc_callback", "GET", "/logga-in/oidc/callback", everyone(404), anonymous=404),
    Row("accessibility.statement", "GET", "/tillganglighet", everyone(200), anonymous=200),
    # The feed's URL token is the key, not the session: a made-up token is 404 for everyone.
    Row("calendar.feed", "GET", "/kalender/not-a-real-token.ics", everyone(404), anonymous=404),
    Row("start.index", "GET", "/", everyone(200)),
    Row("measures.measure_list", "GET", "/atgarder?lage=decided&sortera=due_date&q=portal", everyone(200)),
    Row("measures.handover", "POST", "/atgarder/overlamning", only({"steering": 302}),
        {"arende": "{decided}", "to_owner": "other_owner", "reason": "Programmet avslutas."}),
    Row("measures.propose", "GET", "/atgarder/ny", everyone(200)),
    Row("measures.propose", "POST", "/atgarder/ny", everyone(422), {"title": ""}),
    Row("measures.measure_page", "GET", "/atgarder/{decided}", everyone(200)),
    # An evidence file: anyone signed in, like the case it belongs to.
    Row("evidence.download", "GET", "/underlag/{attachment}", everyone(200)),
    Row("measures.edit", "GET", "/atgarder/{decided}/andra", only({"owner": 200, "steering": 200, "registrar": 200})),
    Row("measures.edit", "POST", "/atgarder/{decided}/andra", only({"owner": 422, "steering": 422, "registrar": 422}),
        {"title": "", "version": "{decided_version}"}),
    Row("measures.transition", "GET", "/atgarder/{decided}/steg/implement", only({"owner": 200, "steering": 200})),
    Row("measures.transition", "POST", "/atgarder/{decided}/steg/implement", only({"owner": 422, "steering": 422}),
        {"implementation_note": "", "version": "{decided_version}"}),
    Row("measures.progress", "POST", "/atgarder/{decided}/lagesrapport", only({"owner": 422, "steering": 422}),
        {"done": "", "ongoing": "", "planned": "", "version": "{decided_version}"}),
    Row("measures.comment", "POST", "/atgarder/{decided}/kommentar", everyone(422), {"body": ""}),
    Row("measures.add_indicator", "POST", "/atgarder/{decided}/indikatorer", only({"owner": 422, "steering": 422}),
        {"name": ""}),
    # No indicator 999999: found missing before anyone's right to it is judged.
    Row("measures.add_measurement", "POST", "/atgarder/{decided}/indikatorer/999999/matvarden", everyone(404),
        {"value": "7"}),
    Row("measures.import_measurements", "POST", "/atgarder/{decided}/indikatorer/999999/matvarden/fil", everyone(404),
        {}),
    Row("measures.lagesbild", "GET", "/lagesbild", everyone(200)),
    Row("measures.ranking", "GET", "/atgarder/rangordning",
        only({"council": 200, "steering": 200, "registrar": 200, "admin": 200})),
    Row("measures.ranking_pdf", "GET", "/atgarder/rangordning.pdf",
        only({"council": 200, "steering": 200, "registrar": 200, "admin": 200})),
    Row("measures.lagesbild", "GET", "/lagesbild?as_of=2026-02-30&working_group=Ingen", everyone(422)),
    Row("measures.freeze", "POST", "/lagesbild/frys", only({"steering": 303, "registrar": 303}), {"working_group": ""}),
    Row("measures.snapshots", "GET", "/lagesbild/frysta", everyone(200)),
    Row("measures.snapshot", "GET", "/lagesbild/frysta/999999", everyone(404)),
    # Secrecy (OSL): the marking form is the registrar's (mark_secrecy in roles.yaml); nothing is marked yet.
    Row("secrecy.marking", "GET", "/sekretess/measure/{decided}", only({"registrar": 200})),
    Row("secrecy.mark", "POST", "/sekretess/measure/{decided}", only({"registrar": 422}),
        {"ground": "OSL 99:9", "reason": ""}),
    Row("secrecy.lift", "POST", "/sekretess/measure/{decided}/hav", only({"registrar": 422}),
        {"reason": "Prövat: offentlig."}),
    # Import from a file: steering and registrars (the service's rule); export: anyone who may read the list.
    Row("imports.upload", "GET", "/atgarder/importera", only({"steering": 200, "registrar": 200})),
    Row("imports.upload", "POST", "/atgarder/importera", only({"steering": 422, "registrar": 422}), {"uppdatera": "1"}),
    Row("imports.confirm", "POST", "/atgarder/importera/bekrafta", only({"steering": 422, "registrar": 422}),
        {"sha256": "0" * 64}),
    Row("imports.export_measures", "GET", "/atgarder/exportera.xlsx?lage=decided&sortera=due_date", everyone(200)),
    # Reports are jobs: each reader is sent to the page that waits for theirs (tests/test_jobs.py follows one).
    Row("measures.delrapport", "GET", "/atgarder/delrapport.pdf?from=2026-01-01&to=2026-03-31", everyone(303)),
    Row("measures.slutredovisning", "GET", "/atgarder/slutredovisning.pdf", everyone(303)),
    # A job is followed only by the person who asked (done: on to the result); a finished report is anyone's.
    Row("jobs.job_page", "GET", "/jobb/{job}", only({"owner": 303}, 404)),
    Row("jobs.job_result", "GET", "/jobb/{job}/resultat", everyone(200)),
    Row("audits.audit_list", "GET", "/granskningar", everyone(200)),
    Row("audits.register", "GET", "/granskningar/ny", only({"registrar": 200})),
    Row("audits.register", "POST", "/granskningar/ny", only({"registrar": 422}), {"name": ""}),
    Row("audits.audit_page", "GET", "/granskningar/{audit}", everyone(200)),
    Row("audits.audit_edit", "GET", "/granskningar/{audit}/andra", only({"registrar": 200})),
    Row("audits.audit_edit", "POST", "/granskningar/{audit}/andra", only({"registrar": 422}),
        {"name": "", "number": "7/2022", "subject": "Kompetens", "template": "board", "version": "{audit_version}"}),
    Row("audits.audit_transition", "GET", "/granskningar/{audit}/steg/start_drafting",
        only({"registrar": 200, "steering": 200})),
    Row("audits.audit_transition", "POST", "/granskningar/{audit}/steg/start_drafting",
        only({"registrar": 422, "steering": 422}), {"owner": "nobody-at-all", "version": "{audit_version}"}),
    Row("audits.yttrande_draft", "GET", "/granskningar/{audit}/utkast.pdf", everyone(200)),
    Row("audits.yttrande_pdf", "GET", "/granskningar/{audit}/yttrande.pdf", everyone(200)),
    Row("audits.yttrande_docx", "GET", "/granskningar/{audit}/yttrande.docx", everyone(200)),
    Row("audits.follow_up", "GET", "/granskningar/{audit}/uppfoljning", everyone(200)),
    Row("audits.follow_up_pdf", "GET", "/granskningar/{audit}/uppfoljning.pdf", everyone(200)),
    # Not decided yet: the registrar is told so (422), the others may not register at all.
    Row("audits.yttrande_register", "POST", "/granskningar/{audit}/yttrande", only({"registrar": 422})),
    Row("audits.recommendation_add", "POST", "/granskningar/{audit}/rekommendationer", only({"registrar": 422}),
        {"number": "x", "text": ""}),
    Row("audits.recommendation_page", "GET", "/rekommendationer/{rec}", everyone(200)),
    Row("audits.answer", "POST", "/rekommendationer/{rec}/svar", only({"registrar": 422, "owner": 422}),
        {"answer": "Svar.", "measure_ids": "99999", "version": "{rec_version}"}),
    Row("audits.transition", "GET", "/rekommendationer/{rec}/steg/reassign", only({"registrar": 200, "steering": 200})),
    Row("audits.transition", "POST", "/rekommendationer/{rec}/steg/reassign",
        only({"registrar": 422, "steering": 422}), {"owner": "", "version": "{rec_version}"}),
    Row("notifications.notification_list", "GET", "/aviseringar", everyone(200)),
    Row("notifications.mark_read", "POST", "/aviseringar/las", everyone(302), {"id": "1"}),
    Row("notifications.preferences", "GET", "/installningar/aviseringar", everyone(200)),
    Row("notifications.preferences", "POST", "/installningar/aviseringar", everyone(422), {"delivery": "hourly"}),
    Row("notifications.calendar_issue", "POST", "/installningar/aviseringar/kalender", everyone(200)),
    # Nobody here has a feed yet: there is nothing to renew (tests/test_credentials.py renews one).
    Row("notifications.calendar_renew", "POST", "/installningar/aviseringar/kalender/fornya", everyone(404)),
    Row("notifications.calendar_revoke", "POST", "/installningar/aviseringar/kalender/aterkalla", everyone(302)),
    Row("api_keys.keys", "GET", "/installningar/api-nycklar", everyone(200)),
    Row("api_keys.keys", "POST", "/installningar/api-nycklar", everyone(422), {"name": "", "expires": "i morgon"}),
    Row("api_keys.revoke", "POST", "/installningar/api-nycklar/999999/aterkalla", everyone(404)),
    Row("admin.users", "GET", "/admin/anvandare", only({"admin": 200})),
    Row("admin.users", "POST", "/admin/anvandare", only({"admin": 422}), {"username": "X Y", "role": "nope"}),
    Row("admin.set_user_active", "POST", "/admin/anvandare/{victim}/aktiv", only({"admin": 302}), {"active": "0"}),
    Row("admin.set_user_role", "POST", "/admin/anvandare/{victim}/roll", only({"admin": 302}), {"role": "owner"}),
    Row("admin.reset_user_password", "POST", "/admin/anvandare/{victim}/losenord", only({"admin": 200}),
        {"password": ""}),
    Row("admin.service_account_list", "GET", "/admin/tjanstekonton", only({"admin": 200})),
    Row("admin.service_account_list", "POST", "/admin/tjanstekonton", only({"admin": 422}),
        {"username": "X Y", "role": "nope"}),
    Row("admin.service_account_page", "GET", "/admin/tjanstekonton/{service}", only({"admin": 200})),
    Row("admin.service_account_page", "POST", "/admin/tjanstekonton/{service}", only({"admin": 422}), {"name": ""}),
    Row("admin.set_service_account_active_page", "POST", "/admin/tjanstekonton/{service}/aktiv", only({"admin": 302}),
        {"active": "1"}),
    # No key 999999: not found once the caller is known to be an admin.
    Row("admin.revoke_service_account_key", "POST", "/admin/tjanstekonton/{service}/nycklar/999999/aterkalla",
        only({"admin": 404})),
    Row("admin.roles", "GET", "/admin/roller", only({"admin": 200})),
    Row("admin.bodies", "GET", "/admin/organ", only({"admin": 200})),
    Row("admin.mail", "GET", "/admin/e-post", only({"admin": 200})),
    Row("admin.account_events", "GET", "/admin/kontohandelser", only({"admin": 200})),
    # Load balancers and monitoring ask without signing in; /metrics is open unless KFFLOW_METRICS_TOKEN is set.
    Row("operations.healthz", "GET", "/healthz", everyone(200), anonymous=200),
    # The test database is made by create_all, not by the migrations: readiness rightly says it is not at head.
    Row("operations.readyz", "GET", "/readyz", everyone(503), anonymous=503),
    Row("operations.metrics", "GET", "/metrics", everyone(200), anonymous=200),
]


def test_every_page_route_has_a_row(make_web_app):
    app = make_web_app()
    registered = {(rule.endpoint, method) for rule in app.url_map.iter_rules()
                  # API and document routes take bearer tokens: their matrix is tests/test_api_matrix.py.
                  if rule.endpoint != "static" and not rule.endpoint.startswith(("api.", "documents."))
                  for method in rule.methods - {"HEAD", "OPTIONS"}}
    covered = {(row.endpoint, row.method) for row in ROWS}
    assert registered - covered == set(), "routes without a row in the matrix"
    assert covered - registered == set(), "rows for routes that do not exist"


def _cases(session, users, make_user):
    decided = measure_in_state(session, users, "decided")  # owned by users["owner"], not other_owner
    audit = register_audit(session, users["registrar"], {
        "name": "Fördjupad granskning", "number": "7/2022", "subject": "Strategisk kompetensförsörjning",
        "diarienummer": "RS/351/2022", "response_due": "2026-04-30"})
    rec = add_recommendation(session, users["registrar"], audit.id, 1, "Regionstyrelsen bör säkerställa uppföljning.")
    rec = fire(session, users["registrar"], rec, "assign", {"owner": users["owner"].username})
    victim = make_user("victim", "contributor")
    service = create_user(session, users["admin"], username="integration", role="council", service_account=True)
    job = finished_job(session, users["owner"])
    attachment = _attachment(session, users)
    return {"attachment": attachment, "job": job.id, "decided": decided.id, "decided_version": decided.version, "audit": audit.id,
            "audit_version": audit.version, "rec": rec.id,
            "rec_version": rec.version, "victim": victim.id, "service": service.id}


def _attachment(session, users) -> int:
    from kfflow.evidence import Upload
    from kfflow.services.evidence import attachments_of
    from kfflow.services.measures import add_progress_report
    from tests.evidence_files import pdf_bytes

    measure = measure_in_state(session, users, "decided", title="Med underlag")
    add_progress_report(session, users["owner"], measure.id, done="Gjort.", ongoing=None, planned=None,
                        attachments=[Upload("beslut.pdf", pdf_bytes())])
    return attachments_of(session, "measure", measure.id)[0].id


def _clients(app, session, users, make_user) -> dict:
    clients = {"anonymous": app.test_client()}
    for role in SIGNED_IN:
        clients[role] = sign_in(app, session, users[role])
    gone = make_user("gone", "steering")
    clients["deactivated"] = sign_in(app, session, gone)
    set_active(session, users["admin"], gone.id, False)
    return clients


def _groups() -> list[tuple[str, list[Row]]]:
    """Reading pages change nothing, so they share one set-up; each write gets its own."""
    reads = [row for row in ROWS if row.method == "GET"]
    writes = [(f"{row.method} {row.endpoint}", [row]) for row in ROWS if row.method != "GET"]
    return [("GET pages", reads)] + writes


@pytest.mark.parametrize("rows", [rows for _name, rows in _groups()], ids=[name for name, _rows in _groups()])
def test_route_role_matrix(rows, make_web_app, session, users, make_user):
    app = make_web_app()
    hold_jobs(app)  # every reader's report waits, so each is answered alike
    ids = _cases(session, users, make_user)
    clients = _clients(app, session, users, make_user)
    mismatches = []
    for row in rows:
        path = row.path.format(**ids)
        expected = {"anonymous": row.anonymous, "deactivated": row.anonymous, **row.expected}
        got = {}
        for role in ROLES:
            data = {k: v.format(role=role, **ids) for k, v in row.data.items()}
            response = clients[role].open(path, method=row.method, data=data if row.method == "POST" else None)
            got[role] = response.status_code
            if role in ("anonymous", "deactivated") and row.anonymous == LOGIN:
                assert "/logga-in" in response.headers.get("Location", ""), (row, role)
        mismatches += [f"{row.method} {path} as {role}: expected {expected[role]}, got {got[role]}"
                       for role in ROLES if got[role] != expected[role]]
    assert mismatches == []
