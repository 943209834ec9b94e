"""One settings object for the whole environment; the core's import pulls in no Flask; the generated
secret key survives several processes starting at once."""
from __future__ import annotations

import ast
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kfflow.config import PROJECT_ROOT, README, Settings, SettingsError, readme_with_table, settings_table

SOURCES = [p for folder in ("kfflow", "webui") for p in sorted((PROJECT_ROOT / folder).rglob("*.py"))]


def test_the_readme_lists_every_setting_from_the_settings_object():
    text = README.read_text(encoding="utf-8")
    assert readme_with_table(text) == text, "README is out of date: run `.venv/bin/python -m kfflow.config --readme`"
    for field in Settings.model_fields.values():
        assert f"| `{field.validation_alias}` |" in settings_table()


def _environment_reads(path) -> list[str]:
    """os.environ / os.getenv read anywhere, and click options that read an environment variable."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    stores = {id(node.value) for node in ast.walk(tree)
              if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv") and id(node) not in stores:
            found.append(f"{path.relative_to(PROJECT_ROOT)}:{node.lineno} {node.attr}")
        if isinstance(node, ast.keyword) and node.arg in ("envvar", "auto_envvar_prefix"):
            found.append(f"{path.relative_to(PROJECT_ROOT)}:{node.value.lineno} {node.arg}=")
    return found


def test_only_the_settings_object_reads_the_environment():
    reads = [hit for path in SOURCES if path.name != "config.py" or path.parent.name != "kfflow"
             for hit in _environment_reads(path)]
    assert reads == []


def test_settings_from_a_mapping_and_errors_that_name_the_variable_but_not_the_secret(tmp_path):
    settings = Settings.from_env({"KFFLOW_INSTANCE": str(tmp_path), "KFFLOW_COOKIE_SECURE": "1",
                                  "KFFLOW_SMTP_URL": "smtps://kf:hunter2@mail.region.example",
                                  "KFFLOW_REMIND_INTERVAL": "60", "KFFLOW_BASE_URL": ""})
    assert settings.database_url == f"sqlite:///{tmp_path / 'kfflow.sqlite'}"
    assert (settings.cookie_secure, settings.remind_interval, settings.base_url) == (True, 60, None)
    assert "hunter2" not in repr(settings) and "hunter2" not in str(settings.model_dump())
    assert Settings.from_env({"KFFLOW_COOKIE_SECURE": "auto"}).cookie_secure == "auto"
    assert Settings.from_env({"KFFLOW_COOKIE_SECURE": "0"}).cookie_secure is False

    with pytest.raises(SettingsError) as bad:
        Settings.from_env({"KFFLOW_SMTP_URL": "http://kf:hunter2@mail", "KFFLOW_REMIND_INTERVAL": "5",
                           "KFFLOW_COOKIE_SECURE": "maybe", "KFFLOW_ENV": "prod"})
    message = str(bad.value)
    for name in ("KFFLOW_SMTP_URL", "KFFLOW_REMIND_INTERVAL", "KFFLOW_COOKIE_SECURE", "KFFLOW_ENV"):
        assert name in message
    assert "hunter2" not in message


def test_tests_can_still_build_settings_explicitly(settings, tmp_path):
    assert settings.instance_path == (tmp_path / "instance").resolve()
    assert settings.resolve_secret_key() == "test-secret-key-not-for-production"


def test_importing_the_core_pulls_in_no_flask():
    code = ("import kfflow, kfflow.cli, kfflow.config, kfflow.logs, kfflow.operations, kfflow.production, sys; "
            "bad = sorted(m for m in sys.modules if m == 'flask' or m.startswith(('flask.', 'flask_', 'webui'))); "
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                            cwd=PROJECT_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_serve_is_a_command_of_kfflow_brought_by_the_web_side():
    kfflow = str(Path(sys.executable).parent / "kfflow")
    result = subprocess.run([kfflow, "serve", "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "--workers" in result.stdout


SECRET_KEY_RACE = """
import sys, time
from pathlib import Path
from kfflow.config import Settings
folder, start, rounds = Path(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
for i in range(rounds):
    while time.time() < start + i * 0.004:  # every process takes on instance folder i at the same moment
        pass
    try:
        print(Settings.from_env({"KFFLOW_INSTANCE": str(folder / str(i))}).resolve_secret_key())
    except Exception as exc:
        print(type(exc).__name__)
"""


def test_six_processes_starting_at_once_share_one_generated_secret_key(tmp_path):
    """Each of 300 rounds is a first start on an empty instance folder by six processes at once (the check,
    create and write of the old code lost about one round in a hundred to an empty key or FileExistsError)."""
    rounds = 300
    start = time.time() + 2.0  # every process is imported and spinning by then
    procs = [subprocess.Popen([sys.executable, "-c", SECRET_KEY_RACE, str(tmp_path), str(start), str(rounds)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=PROJECT_ROOT)
             for _ in range(6)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * 6, [err for _out, err in outputs]
    keys_per_process = [out.splitlines() for out, _err in outputs]
    for i, keys in enumerate(zip(*keys_per_process, strict=True)):
        assert len(set(keys)) == 1 and len(keys[0]) >= 40, (i, keys)
        instance = tmp_path / str(i)
        assert [p.name for p in instance.iterdir()] == ["secret_key"]  # no temporary file left behind
        assert oct((instance / "secret_key").stat().st_mode & 0o777) == "0o600"


def test_an_empty_key_file_is_refused_with_a_clear_message(tmp_path):
    (tmp_path / "secret_key").write_text("")
    with pytest.raises(SettingsError, match="is empty; delete it"):
        Settings.from_env({"KFFLOW_INSTANCE": str(tmp_path)}).resolve_secret_key()


def test_a_misspelt_variable_is_named_in_a_warning(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("KFFLOW_")}
    env.update(KFFLOW_INSTANCE=str(tmp_path), KFFLOW_SMPT_URL="smtp://mail:25", KFFLOW_TEST_PG_URL="x")
    result = subprocess.run([str(Path(sys.executable).parent / "kfflow"), "workflows", "check"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert "KFFLOW_SMPT_URL is set but is no kfflow setting (misspelt?); ignored" in result.stderr
    assert "KFFLOW_TEST_PG_URL" not in result.stderr and "KFFLOW_INSTANCE" not in result.stderr
