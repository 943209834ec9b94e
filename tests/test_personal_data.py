"""`kfflow person export`: everything kfflow holds about a person, and no credentials."""
from __future__ import annotations

import json

from kfflow.services.measures import add_progress_report

from tests.factories import measure_in_state


def test_export_gives_the_persons_rows_from_every_table_and_no_credentials(session, users, invoke):
    measure = measure_in_state(session, users, "decided")
    add_progress_report(session, users["owner"], measure.id, done="Upphandlingen klar", ongoing=None, planned=None)
    result = invoke("person", "export", "owner")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["person"]["username"] == "owner"
    assert data["person"]["password_hash"] == "(finns, lämnas inte ut)"
    records = data["records"]
    assert [r["done"] for r in records["progress_report"]["rows"]] == ["Upphandlingen klar"]
    assert [r["id"] for r in records["measure"]["rows"]] == [measure.id]  # the measure they own
    assert any(r["trigger"] == "report_progress" for r in records["history_entry"]["rows"])
    other = json.loads(invoke("person", "export", "contributor").output)["records"]
    assert "progress_report" not in other  # another person's export holds only their own rows
    assert {r["actor_id"] for r in other["history_entry"]["rows"]} == {users["contributor"].id}


def test_export_of_an_unknown_person_is_refused(invoke):
    result = invoke("person", "export", "ingen")
    assert result.exit_code == 1 and "Användaren ingen finns inte." in result.output
