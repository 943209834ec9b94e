"""workflows/retention.yaml: the shipped rules pass `workflows check`; a rule naming what does not exist fails."""
from __future__ import annotations

import shutil

import pytest
import yaml
from click.testing import CliRunner

from kfflow.cli import main

from tests.conftest import WORKFLOWS_PATH


def test_the_shipped_retention_rules_pass_workflows_check():
    result = CliRunner().invoke(main, ["workflows", "check", "--path", str(WORKFLOWS_PATH)])
    assert result.exit_code == 0, result.output
    assert "retention.yaml: 5 gallringsregler — OK" in result.output


@pytest.mark.parametrize("change, message", [
    ({"kind": "meeting"}, "unknown case kind 'meeting'"),
    ({"record": "minutes"}, "unknown record type 'minutes'"),
    ({"kind": "audit"}, "a audit has no progress_report records"),
    ({"states": ["evaluated", "archived"]}, "measure has no state archived"),
    ({"after_years": None}, "names the states the case has ended in and after_years"),
    ({"record": "history"}, "history records are kept; a rule may only say keep: true"),
    ({"after_years": -1}, "greater than or equal to 0"),
    ({"typo": 1}, "Extra inputs are not permitted"),
])
def test_a_bad_retention_rule_fails_workflows_check(tmp_path, change, message):
    folder = tmp_path / "workflows"
    shutil.copytree(WORKFLOWS_PATH, folder)
    data = yaml.safe_load((folder / "retention.yaml").read_text(encoding="utf-8"))
    data["rules"][0].update(change)
    (folder / "retention.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = CliRunner().invoke(main, ["workflows", "check", "--path", str(folder)])
    assert result.exit_code == 1
    assert "gallringsreglerna" in result.output and message in result.output, result.output
