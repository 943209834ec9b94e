"""A copy of the shipped workflows folder with one file changed, for tests of what the rules alone decide."""
from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from tests.conftest import WORKFLOWS_PATH


def changed_copy(tmp_path: Path, file: str, change) -> Path:
    """The folder `tmp_path/workflows`, the shipped rules with `change(data)` applied to `file`'s parsed YAML."""
    folder = tmp_path / "workflows"
    shutil.copytree(WORKFLOWS_PATH, folder)
    data = yaml.safe_load((folder / file).read_text(encoding="utf-8"))
    change(data)
    (folder / file).write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder
