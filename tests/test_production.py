"""KFFLOW_ENV=production refuses to start with an unsafe configuration, naming every problem."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kfflow.production import ProductionConfigError
from kfflow.security import hash_password
from kfflow.services.demo import demo_password

KFFLOW = str(Path(sys.executable).parent / "kfflow")


def _production(settings, **changes):
    return settings.model_copy(update={"env": "production", **changes})


def test_production_names_every_unsafe_setting(settings, database, session, make_user):
    from kfflow.services.users import create_user
    from webui import create_app

    create_user(session, None, username="stina", role="steering", email="stina@example.org",
                password_hash=hash_password(demo_password("stina")))
    make_user("olle", "owner")  # a demo name with a password of its own is not a demo account
    with pytest.raises(ProductionConfigError) as refused:
        create_app(_production(settings, secret_key=None), database=database)
    problems = " | ".join(refused.value.problems)
    assert len(refused.value.problems) == 3
    assert "KFFLOW_SECRET_KEY is not set" in problems
    assert "KFFLOW_COOKIE_SECURE is 'auto', not 1" in problems
    assert "demo accounts with their published passwords are present: stina " in problems and "olle" not in problems


def test_production_starts_when_everything_is_in_order(settings, database, make_user):
    from webui import create_app

    make_user("stina", "steering")  # own password
    app = create_app(_production(settings, cookie_secure=True), database=database)
    assert app.config["SECRET_KEY"] == "test-secret-key-not-for-production"
    assert app.config["KFFLOW_COOKIE_SECURE"] is True
    assert not (settings.instance_path / "secret_key").exists()  # never generated in production


@pytest.fixture
def instance_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("KFFLOW_")}
    env.update(KFFLOW_INSTANCE=str(tmp_path / "instance"), KFFLOW_DATABASE_URL=f"sqlite:///{tmp_path / 'kf.sqlite'}")
    assert subprocess.run([KFFLOW, "db", "upgrade"], env=env, capture_output=True, timeout=120).returncode == 0
    return env


def test_serve_refuses_to_start_and_logs_why(instance_env):
    env = {**instance_env, "KFFLOW_ENV": "production", "KFFLOW_COOKIE_SECURE": "0"}
    result = subprocess.run([KFFLOW, "serve", "--port", "1"], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    log_lines = [line for line in result.stderr.splitlines() if line.startswith("{")]
    assert any("KFFLOW_SECRET_KEY is not set" in line and '"level": "CRITICAL"' in line for line in log_lines)
    assert any("KFFLOW_COOKIE_SECURE is False, not 1" in line for line in log_lines)
    assert "refusing to start" in result.stderr


def test_the_demo_is_not_loaded_into_production(instance_env):
    result = subprocess.run([KFFLOW, "demo"], env={**instance_env, "KFFLOW_ENV": "production"},
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "produktionsdatabas" in result.stderr
