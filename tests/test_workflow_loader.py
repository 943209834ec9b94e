"""The shipped lifecycles pass strict validation; a broken one is rejected with its file, transition and value."""
from __future__ import annotations

import shutil

import pytest
import yaml
from click.testing import CliRunner

from kfflow.cli import main
from kfflow.errors import WorkflowDefinitionError
from kfflow.workflow import load_workflows
from kfflow.workflow.engine import machine_for

from tests.conftest import WORKFLOWS_PATH


def test_shipped_files_pass():
    loaded = load_workflows(WORKFLOWS_PATH)
    assert loaded.names() == ["audit", "measure", "recommendation"]
    result = CliRunner().invoke(main, ["workflows", "check", "--path", str(WORKFLOWS_PATH)])
    assert result.exit_code == 0, result.output
    assert "measure.yaml: measure version 1" in result.output


def _transition(data, trigger):
    return next(t for t in data["transitions"] if t["trigger"] == trigger)


def _unknown_state(d):
    _transition(d, "decide")["dest"] = "beslutad_typo"


def _unreachable(d):
    d["states"]["parked"] = {"label": "Parkerad"}


def _unknown_role(d):
    _transition(d, "decide")["roles"] = ["steering", "boss"]


def _unknown_guard(d):
    _transition(d, "decide")["guards"] = ["os.system"]


def _unknown_effect(d):
    _transition(d, "reopen")["effects"] = ["builtins.exec"]


def _unknown_field_type(d):
    _transition(d, "decide")["fields"][0]["type"] = "person"


def _duplicate_trigger(d):
    d["transitions"].append(dict(_transition(d, "reject"), source="proposed", dest="withdrawn"))


def _unknown_source(d):
    _transition(d, "implement")["source"] = "beslutad"


def _unknown_relation(d):
    _transition(d, "implement")["relation"] = "neighbour"


def _assign_unknown_attribute(d):
    _transition(d, "reject")["fields"][0]["assign"] = True  # Measure has no `reason` column


def _unknown_tag(d):
    d["states"]["decided"]["tags"] = ["open", "sen"]


def _misspelt_state_key(d):
    d["states"]["decided"]["tagz"] = ["open"]


def _action_unknown_role(d):
    d["actions"]["report_progress"]["roles"] = ["boss"]


def _action_roles_and_transition(d):
    d["actions"]["hand_over"]["roles"] = ["steering"]


def _action_unknown_transition(d):
    d["actions"]["hand_over"]["transition"] = "hand_it_over"


def _action_states_by_unknown_tag(d):
    d["actions"]["report_progress"]["states"] = {"tag": "reportabel"}


def _label_as_number(d):
    d["states"]["decided"]["label"] = 2023


BROKEN = [
    (_unknown_tag, "state 'decided'", "unknown tag 'sen'"),
    (_misspelt_state_key, "state 'decided'", "unknown key 'tagz'"),
    (_action_unknown_role, "action 'report_progress'", "unknown role 'boss'"),
    (_action_roles_and_transition, "action 'hand_over'", "needs exactly one of"),
    (_action_unknown_transition, "action 'hand_over'", "unknown transition 'hand_it_over'"),
    (_action_states_by_unknown_tag, "action 'report_progress'", "unknown tag 'reportabel'"),
    (_label_as_number, "state 'decided'", "label: Input should be a valid string"),
    (_unknown_state, "transition 'decide'", "unknown dest state 'beslutad_typo'"),
    (_unreachable, "measure.yaml", "state 'parked' is unreachable"),
    (_unknown_role, "transition 'decide'", "unknown role 'boss'"),
    (_unknown_guard, "transition 'decide'", "unknown guard 'os.system'"),
    (_unknown_effect, "transition 'reopen'", "unknown effect 'builtins.exec'"),
    (_unknown_field_type, "transition 'decide', field 'owner'", "unknown field type 'person'"),
    (_duplicate_trigger, "transition 'reject'", "the same trigger twice from source 'proposed'"),
    (_unknown_source, "transition 'implement'", "unknown source state 'beslutad'"),
    (_unknown_relation, "transition 'implement'", "unknown relation 'neighbour'"),
    (_assign_unknown_attribute, "transition 'reject', field 'reason'", "the case has no attribute 'reason'"),
]


@pytest.mark.parametrize("breaker,where,what", BROKEN, ids=[b[0].__name__.strip("_") for b in BROKEN])
def test_broken_definition_is_rejected_by_name(tmp_path, breaker, where, what):
    folder = tmp_path / "workflows"
    shutil.copytree(WORKFLOWS_PATH, folder)
    data = yaml.safe_load((folder / "measure.yaml").read_text(encoding="utf-8"))
    breaker(data)
    (folder / "measure.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(WorkflowDefinitionError) as err:
        load_workflows(folder)
    assert f"measure.yaml, {where}" in err.value.message or where in err.value.message
    assert what in err.value.message
    result = CliRunner().invoke(main, ["workflows", "check", "--path", str(folder)])
    assert result.exit_code != 0
    assert what in result.output and "measure.yaml" in result.output


def test_unparseable_yaml_names_the_file(tmp_path):
    folder = tmp_path / "workflows"
    shutil.copytree(WORKFLOWS_PATH, folder)
    (folder / "recommendation.yaml").write_text("name: recommendation\nstates: [unclosed\n", encoding="utf-8")
    with pytest.raises(WorkflowDefinitionError, match="recommendation.yaml: cannot be read as YAML"):
        load_workflows(folder)


def test_archived_versions_are_kept_for_old_cases(tmp_path):
    folder = tmp_path / "workflows"
    shutil.copytree(WORKFLOWS_PATH, folder)
    (folder / "archive").mkdir()
    shutil.copy(folder / "measure.yaml", folder / "archive" / "measure-v1.yaml")
    data = yaml.safe_load((folder / "measure.yaml").read_text(encoding="utf-8"))
    data["version"] = 2
    (folder / "measure.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    loaded = load_workflows(folder)
    assert loaded.current("measure").version == 2
    assert loaded.get("measure", 1).version == 1


def test_one_machine_per_definition_never_per_case():
    wf = load_workflows(WORKFLOWS_PATH).current("measure")
    machine = machine_for(wf)
    assert machine_for(wf) is machine
    assert machine.models == []  # cases are handed to events, never registered on the machine
    assert set(machine.events) == {t.trigger for t in wf.transitions}


def test_an_unknown_key_in_a_transition_is_named(tmp_path):
    folder = tmp_path / "workflows"
    shutil.copytree(WORKFLOWS_PATH, folder)
    data = yaml.safe_load((folder / "measure.yaml").read_text(encoding="utf-8"))
    _transition(data, "decide")["gaurds"] = ["due_date_not_past"]
    (folder / "measure.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(WorkflowDefinitionError, match="measure.yaml, transition 'decide': unknown key 'gaurds'"):
        load_workflows(folder)


@pytest.mark.parametrize("change,what", [
    (lambda cols: cols[1].update(field="titel"), "column 'titel': unknown field 'titel'"),
    (lambda cols: cols[3].update(vocabulary="kategorier"), "unknown vocabulary 'kategorier'"),
    (lambda cols: cols[2]["headings"].append("Titel"), "heading 'Titel' also belongs to 'title'"),
    (lambda cols: cols[0].update(colour="red"), "column 'id': unknown key 'colour'"),
], ids=["field", "vocabulary", "heading", "key"])
def test_workflows_check_validates_the_import_mapping(tmp_path, change, what):
    folder = tmp_path / "workflows"
    shutil.copytree(WORKFLOWS_PATH, folder)
    data = yaml.safe_load((folder / "import_mapping.yaml").read_text(encoding="utf-8"))
    change(data["measure_columns"])
    (folder / "import_mapping.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = CliRunner().invoke(main, ["workflows", "check", "--path", str(folder)])
    assert result.exit_code != 0
    assert "import_mapping.yaml" in result.output and what in result.output, result.output


def test_workflows_check_reports_the_import_mapping():
    result = CliRunner().invoke(main, ["workflows", "check", "--path", str(WORKFLOWS_PATH)])
    assert result.exit_code == 0 and "import_mapping.yaml: 12 kolumner — OK" in result.output
