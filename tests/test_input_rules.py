"""One input rule at the service boundary: every way in (service, web, API, command line, import) refuses the
same texts with a Swedish message naming the field, and writes nothing."""
from __future__ import annotations

from datetime import date

import openpyxl
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from kfflow.cli import main
from kfflow.errors import ValidationError
from kfflow.models import Audit, Measure, User
from kfflow.services.audits import add_recommendation, register_audit, update_audit, update_recommendation
from kfflow.services.cases import fire
from kfflow.services.comments import add_comment
from kfflow.services.importing import ImportRejected, import_measures
from kfflow.services.measures import add_progress_report, propose_measure, update_measure
from kfflow.workflow.fields import check_text

from tests.conftest import NOW
from tests.factories import measure_in_state
from tests.web_support import csrf_token, sign_in

# Refused in a one-line text; the reason the message must give.
BAD_ONE_LINE = {
    "line break (header injection)": ("Poison\nBcc: x@evil.example", "en rad"),
    "carriage return": ("Poison\rX", "en rad"),
    "tab": ("A\tB", "en rad"),
    "NUL": ("A\x00B", "U+0000"),
    "escape": ("A\x1b[31mB", "U+001B"),
    "C1 next line": ("A\x85B", "U+0085"),
    "line separator": ("A\u2028B", "en rad"),
    "noncharacter": ("A\uffffB", "U+FFFF"),
}


def _measures(session) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(Measure))


@pytest.mark.parametrize("value", ["Poison\nBcc: x@evil.example", "A\x00B", "A\x0bB", "A\x9fB", "A\ud800B",
                                   "A\U0010ffffB", "A\tB", "A\u2029B"])
def test_check_text_refuses_controls_and_line_breaks_in_one_line_texts(value):
    with pytest.raises(ValueError):
        check_text(value, multiline=False)


def test_a_multi_line_text_keeps_tabs_and_line_breaks_but_no_other_controls():
    assert check_text(" Rad 1\r\n\tRad 2\rRad 3 ", multiline=True) == "Rad 1\n\tRad 2\nRad 3"
    for value in ("A\x00B", "A\x07B", "A\x85B", "A\ufdd0B"):
        with pytest.raises(ValueError):
            check_text(value, multiline=True)
    with pytest.raises(ValueError, match="högst 5 tecken"):
        check_text("123456", multiline=True, max_length=5)
    with pytest.raises(ValueError, match="Ange en text"):
        check_text(5, multiline=False)


# --- every way in refuses the same title ----------------------------------------------------------

def _by_service(session, users, app, db_url, tmp_path, title):
    with pytest.raises(ValidationError) as err:
        propose_measure(session, users["contributor"], {"title": title})
    return err.value.fields["title"]


def _by_web(session, users, app, db_url, tmp_path, title):
    client = sign_in(app, session, users["contributor"])
    token = csrf_token(client.get("/atgarder/ny").get_data(as_text=True))
    response = client.post("/atgarder/ny", data={"csrf_token": token, "title": title})
    assert response.status_code == 422
    return response.get_data(as_text=True)


def _by_api(session, users, app, db_url, tmp_path, title):
    from tests.api_support import Api

    status, body = Api(app.test_client(), session).call("POST", "/measures", {"title": title}, as_user="contributor")
    assert status == 422, body
    return body["error"]["fields"]["title"]


def _by_import(session, users, app, db_url, tmp_path, title):
    wb = openpyxl.Workbook()
    wb.active.append(["Åtgärd", "Kategori"])
    wb.active.append([title, "Behålla"])
    path = tmp_path / "in.xlsx"
    wb.save(path)
    with pytest.raises(ImportRejected) as err:
        import_measures(session, None, path, now=NOW)
    return "\n".join(err.value.lines)


ENTRY_POINTS = {"service": _by_service, "web": _by_web, "api": _by_api, "import": _by_import}
# openpyxl cannot even write C0 controls into a cell, so a spreadsheet cannot bring them in.
CASES = [(entry, case) for entry in ENTRY_POINTS for case in BAD_ONE_LINE
         if not (entry == "import" and case in ("NUL", "escape", "noncharacter"))]


@pytest.mark.parametrize("entry,case", CASES)
def test_every_way_in_refuses_a_bad_title_naming_the_field_and_writes_nothing(session, users, app, db_url,
                                                                              tmp_path, entry, case):
    title, reason = BAD_ONE_LINE[case]
    message = ENTRY_POINTS[entry](session, users, app, db_url, tmp_path, title)
    # The API's body check answers for characters no field may hold, before the service: same message.
    named = {"import": "kolumn Åtgärd", "api": ""}.get(entry, "Titel")
    assert named in message and reason in message, message
    assert _measures(session) == 0


def test_the_command_line_refuses_a_display_name_with_a_line_break(db_url, tmp_path):
    env = {"KFFLOW_DATABASE_URL": db_url, "KFFLOW_INSTANCE": str(tmp_path / "instance")}
    result = CliRunner().invoke(main, ["users", "add", "anna", "--role", "owner",
                                       "--display-name", "Anna\nBcc: x@evil.example"], env=env)
    assert result.exit_code != 0 and "Namn" in result.output and "en rad" in result.output, result.output


# --- lengths from the column, multi-line only where the column holds several lines ---------------

def test_lengths_follow_the_column_and_line_breaks_only_in_multi_line_texts(session, users):
    registrar = users["registrar"]
    base = {"name": "Granskning", "number": "7/2022", "subject": "Kompetensförsörjning"}
    with pytest.raises(ValidationError) as err:
        register_audit(session, registrar, {**base, "diarienummer": "RS/" + "1" * 60,
                                            "subject": "x" * 301, "name": "Fördjupad\ngranskning"})
    assert set(err.value.fields) == {"diarienummer", "subject", "name"}
    assert "högst 60" in err.value.fields["diarienummer"] and "Ämne" in err.value.fields["subject"]
    audit = register_audit(session, registrar, {**base, "summary": "Stycke ett.\n\nStycke två.",
                                                "signatories": [{"name": "Anna (S)", "title": "Ordförande"}]})
    assert audit.summary == "Stycke ett.\n\nStycke två."
    with pytest.raises(ValidationError) as err:
        update_audit(session, registrar, audit.id, {"signatories": [{"name": "Anna\nBcc: x", "title": ""}]}, audit.version)
    assert "en rad" in err.value.fields["signatories"]
    rec = add_recommendation(session, registrar, audit.id, 1, "Säkerställ att\n\t– planen följs upp.")
    with pytest.raises(ValidationError) as err:
        update_recommendation(session, registrar, rec.id, {"answer": "Svar\x00"}, expected_version=None)
    assert "Svar" in err.value.fields["answer"] and "U+0000" in err.value.fields["answer"]
    with pytest.raises(ValidationError):
        add_recommendation(session, registrar, audit.id, 2, "Text\x1b")


def test_transition_fields_comments_and_progress_reports_follow_the_same_rule(session, users):
    m = measure_in_state(session, users, "prioritised")
    with pytest.raises(ValidationError) as err:
        fire(session, users["steering"], m, "decide", {"owner": "owner", "due_date": "2030-01-01",
                                                       "decision_ref": "RS § 81\nBcc: x@evil.example"})
    assert set(err.value.fields) == {"decision_ref"} and "en rad" in err.value.fields["decision_ref"]
    m = measure_in_state(session, users, "decided")
    with pytest.raises(ValidationError) as err:
        add_progress_report(session, users["owner"], m.id, done="Klart\x07", ongoing=None, planned=None)
    assert "Vad är gjort?" in err.value.fields["done"]
    report = add_progress_report(session, users["owner"], m.id, done="Rad ett\nRad två", ongoing=None, planned=None)
    assert report.done == "Rad ett\nRad två"
    with pytest.raises(ValidationError) as err:
        add_comment(session, users["contributor"], m, "Hej\x00")
    assert "Kommentar" in err.value.fields["body"]


# --- strict types -----------------------------------------------------------------------------------

def test_a_date_is_an_iso_string_and_a_version_an_integer(session, users):
    m = measure_in_state(session, users, "prioritised")
    for due in (20270101, "20270101", "2027-W01-1", 2027.0, "0001-01-01", "9999-12-31"):
        with pytest.raises(ValidationError) as err:
            fire(session, users["steering"], m, "decide",
                 {"owner": "owner", "due_date": due, "decision_ref": "RS § 81"})
        assert set(err.value.fields) == {"due_date"}, due
    for version in (1.5, True, "1.5", "ett", -1, 2**31):
        with pytest.raises(ValidationError) as err:
            update_measure(session, users["steering"], m.id, {"title": "Ny titel"}, version)
        assert set(err.value.fields) == {"version"}, version
    update_measure(session, users["steering"], m.id, {"title": "Ny titel"}, str(m.version))
    fire(session, users["steering"], m, "decide",
         {"owner": "owner", "due_date": date(2030, 1, 1).isoformat(), "decision_ref": "RS § 81"})
    session.rollback()
    assert session.get(Measure, m.id).due_date == date(2030, 1, 1)


def test_the_api_refuses_a_fractional_version_and_an_integer_date(api, session, users):
    m = measure_in_state(session, users, "prioritised")
    status, body = api.call("PATCH", f"/measures/{m.id}", {"title": "Ny", "version": m.version + 0.5},
                            as_user="steering")
    assert status == 422 and "version" in body["error"]["fields"]
    status, body = api.call("POST", f"/measures/{m.id}/transitions",
                            {"trigger": "decide", "version": m.version, "owner": "owner", "due_date": 20270101,
                             "decision_ref": "RS § 81"}, as_user="steering")
    assert status == 422 and set(body["error"]["fields"]) == {"due_date"}
    session.rollback()
    assert session.get(Measure, m.id).title != "Ny" and session.get(Measure, m.id).state == "prioritised"


def test_users_and_audits_refuse_control_characters_on_every_write(session, users, make_user):
    with pytest.raises(ValidationError) as err:
        make_user("anna", "owner", display_name="Anna\x00", email="anna@example.org\x00")
    assert set(err.value.fields) == {"display_name", "email"}
    session.rollback()
    assert session.scalar(select(func.count()).select_from(User).where(User.username == "anna")) == 0
    assert session.scalar(select(func.count()).select_from(Audit)) == 0


def test_a_progress_report_date_is_held_to_the_same_calendar(session, users):
    m = measure_in_state(session, users, "decided")
    with pytest.raises(ValidationError) as err:
        add_progress_report(session, users["owner"], m.id, done="Klart", ongoing=None, planned=None,
                            reported_on=date(1, 1, 1))
    assert set(err.value.fields) == {"reported_on"} and "1900-01-01" in err.value.fields["reported_on"]
