"""The command line as an operator uses it: real processes on a real database file."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kfflow import __version__

KFFLOW = str(Path(sys.executable).parent / "kfflow")


@pytest.fixture
def env(tmp_path):
    e = dict(os.environ)
    e.update(KFFLOW_INSTANCE=str(tmp_path / "instance"), KFFLOW_DATABASE_URL=f"sqlite:///{tmp_path / 'kf.sqlite'}")
    e.pop("KFFLOW_SECRET_KEY", None)
    return e


def kf(env, *args, stdin=None):
    return subprocess.run([KFFLOW, *args], env=env, input=stdin, text=True, capture_output=True, timeout=120)


def test_version(env):
    r = kf(env, "--version")
    assert r.returncode == 0 and __version__ in r.stdout


def test_upgrade_demo_once_and_users(env):
    assert kf(env, "db", "upgrade").returncode == 0
    first = kf(env, "demo")
    assert first.returncode == 0 and "Demodata inläst." in first.stdout
    assert "stina" in first.stdout and "kfflow-stina" in first.stdout
    again = kf(env, "demo")
    assert again.returncode == 0 and "inget ändrat" in again.stdout

    import sqlite3
    db = sqlite3.connect(env["KFFLOW_DATABASE_URL"].removeprefix("sqlite:///"))
    # 25 decided, 11 plan activities, one late, one proposal, one promised to the auditors and then
    # rejected, and five proposals to rank.
    assert db.execute("select count(*) from measure").fetchone()[0] == 25 + 11 + 3 + 5
    assert db.execute("select count(*) from measure where state = 'decided'").fetchone()[0] >= 25
    # The sample audit's four and the earlier audit's two (whose first the sample audit repeats).
    assert db.execute("select count(*) from recommendation").fetchone()[0] == 4 + 2

    r = kf(env, "users", "add", "kalle", "--role", "boss", "--password-stdin", stdin="long-enough-pw\n")
    assert r.returncode != 0
    assert "Okänd roll ”boss”" in r.stderr and "steering" in r.stderr and "registrar" in r.stderr
    r = kf(env, "users", "add", "kalle", "--role", "owner", "--email", "kalle@example.org",
           "--display-name", "Kalle Ek", "--password-stdin", stdin="long-enough-pw\n")
    assert r.returncode == 0, r.stderr
    assert kf(env, "users", "add", "kalle", "--role", "owner").returncode != 0  # taken
    row = db.execute("select role, email, display_name, password_hash from user_account where username='kalle'").fetchone()
    assert row[:3] == ("owner", "kalle@example.org", "Kalle Ek") and row[3].startswith("$argon2id$")


def test_users_password_gives_a_one_time_password(env):
    """The way back in when the only admin has forgotten their password."""
    import re
    import sqlite3

    assert kf(env, "db", "upgrade").returncode == 0
    assert kf(env, "users", "add", "chef", "--role", "admin", "--password-stdin", stdin="long-enough-pw\n").returncode == 0
    r = kf(env, "users", "password", "chef")
    assert r.returncode == 0, r.stderr
    assert re.fullmatch(r"Engångslösenord för chef: (\w{4}-){3}\w{4}\n", r.stdout)
    db = sqlite3.connect(env["KFFLOW_DATABASE_URL"].removeprefix("sqlite:///"))
    assert db.execute("select must_change_password from user_account where username='chef'").fetchone() == (1,)
    common = kf(env, "users", "password", "chef", "--password-stdin", stdin="password1234\n")
    assert common.returncode == 2 and "för lätt att gissa" in common.stderr
    assert kf(env, "users", "password", "nobody").returncode == 2


def test_secret_key_is_generated_once_into_the_instance(env, tmp_path):
    from kfflow.config import Settings

    settings = Settings.from_env(env)
    key = settings.resolve_secret_key()
    assert len(key) >= 40 and settings.resolve_secret_key() == key
    key_file = tmp_path / "instance" / "secret_key"
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert Settings.from_env({**env, "KFFLOW_SECRET_KEY": "from-env"}).resolve_secret_key() == "from-env"


def test_workflow_errors_stop_start_up(env, tmp_path):
    (tmp_path / "wf").mkdir()
    r = kf({**env, "KFFLOW_WORKFLOWS": str(tmp_path / "wf")}, "workflows", "check")
    assert r.returncode != 0 and "roles.yaml" in r.stderr
