"""The deployment files say only what kfflow understands: no container engine runs here, so docker/compose.yaml,
docker/Caddyfile and the systemd units of docs/deploy.md are checked by parsing them. Every command must parse as
a real `kfflow` command line (with click, as the command itself would), every KFFLOW_* variable must be a field of
kfflow.config.Settings and the whole environment must validate; the Caddyfile goes through Caddy's own parser.
tests/test_two_nodes_deployment.py runs the same topology as processes."""
from __future__ import annotations

import configparser
import json
import re
import shlex
import subprocess
from pathlib import Path

import click
import pytest
import yaml

from kfflow.cli import Context as CliContext
from kfflow.cli import main as kfflow_main
from kfflow.config import PROJECT_ROOT, Settings

from tests.deploy_support import BIN, clean_env

DOCKER = PROJECT_ROOT / "docker"
DEPLOY_DOC = PROJECT_ROOT / "docs" / "deploy.md"
SETTING_NAMES = {field.validation_alias for field in Settings.model_fields.values()}
# ${VAR}, ${VAR:-default}, ${VAR:?message}: compose fills these from docker/.env.
INTERPOLATION = re.compile(r"\$\{(\w+)(?::?[-?][^}]*)?\}")


def kfflow_command(argv: list[str], settings: Settings | None = None) -> click.Command:
    """The kfflow command `argv` runs, after click parsed its arguments as the command would with `settings`
    (option defaults come from them); an unknown command or option raises."""
    assert Path(argv[0]).name == "kfflow", argv
    args, command = list(argv[1:]), kfflow_main
    ctx = click.Context(kfflow_main, info_name="kfflow", obj=CliContext(settings or Settings.from_env({})))
    while isinstance(command, click.Group):
        name = args.pop(0)
        sub = command.get_command(ctx, name)
        assert sub is not None, f"`{ctx.command_path} {name}` is no kfflow command"
        command = sub
        if isinstance(command, click.Group):
            ctx = click.Context(command, info_name=name, parent=ctx)
    command.make_context(name, args, parent=ctx)
    return command


def compose() -> dict:
    return yaml.safe_load((DOCKER / "compose.yaml").read_text(encoding="utf-8"))


def env_example() -> dict[str, str]:
    """docker/env.example, which an operator copies to docker/.env for compose to interpolate."""
    lines = (DOCKER / "env.example").read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def interpolated(value: str) -> str:
    """A value of the compose file as compose sees it with docker/.env copied from docker/env.example."""
    example = env_example()
    return INTERPOLATION.sub(lambda m: example[m.group(1)], str(value))


def kfflow_services() -> dict:
    return {name: s for name, s in compose()["services"].items() if "build" in s}


def check_environment(env: dict[str, str], where: str) -> Settings:
    unknown = sorted(k for k in env if k.startswith("KFFLOW_") and k not in SETTING_NAMES)
    assert not unknown, f"{where}: no such kfflow setting: {unknown}"
    return Settings.from_env({k: interpolated(v) for k, v in env.items()})


def test_the_command_check_refuses_what_kfflow_would_refuse():
    assert kfflow_command(["kfflow", "serve", "--port", "5000"]).name == "serve"
    with pytest.raises(click.UsageError):
        kfflow_command(["kfflow", "serve", "--wrokers", "2"])
    with pytest.raises(AssertionError, match="no kfflow command"):
        kfflow_command(["kfflow", "db", "migrate"])
    with pytest.raises(AssertionError, match="no such kfflow setting"):
        check_environment({"KFFLOW_SMPT_URL": "smtp://x:25"}, "test")


def test_compose_has_the_production_topology():
    services = compose()["services"]
    assert {"db", "migrate", "web-a", "web-b", "proxy", "worker", "scheduler", "scheduler-standby"} <= set(services)
    assert services["migrate"]["command"] == ["kfflow", "db", "upgrade"]
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    for name in ("web-a", "web-b", "worker", "scheduler", "scheduler-standby"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully", name
    for name in ("scheduler", "scheduler-standby"):
        assert kfflow_command(services[name]["command"]).name == "scheduler"
    assert kfflow_command(services["worker"]["command"]).name == "worker"
    assert services["worker"]["deploy"]["replicas"] >= 2, "a killed worker's job is failed, not run elsewhere"
    assert not any("ports" in s for s in kfflow_services().values()), "only the proxy may be reachable"
    assert services["proxy"]["ports"] == ["80:80", "443:443"]


@pytest.mark.parametrize("name", sorted(kfflow_services()))
def test_every_kfflow_service_runs_a_real_command_with_real_settings(name):
    service = kfflow_services()[name]
    settings = check_environment(service["environment"], f"compose service {name}")
    kfflow_command(service["command"], settings)
    assert settings.production and settings.cookie_secure is True and settings.secret_key is not None
    assert settings.database_url.startswith("postgresql://") and "@db:5432/" in settings.database_url


def test_the_proxy_balances_exactly_the_web_services_on_the_port_they_serve():
    services = compose()["services"]
    web = {name: s for name, s in kfflow_services().items() if kfflow_command(s["command"]).name == "serve"}
    assert sorted(web) == ["web-a", "web-b"]
    ports = {name: s["command"][s["command"].index("--port") + 1] for name, s in web.items()}
    assert services["proxy"]["environment"]["UPSTREAMS"].split() == [f"{n}:{p}" for n, p in sorted(ports.items())]
    assert "./Caddyfile:/etc/caddy/Caddyfile:ro" in services["proxy"]["volumes"]
    assert set(services["proxy"]["depends_on"]) == set(web)
    for name, service in web.items():
        assert "/readyz" in " ".join(service["healthcheck"]["test"]), name


def _caddy_json(tmp_path) -> dict:
    env = clean_env(SITE_ADDRESS="kfflow.example.se", UPSTREAMS="web-a:5000 web-b:5000",
                    XDG_DATA_HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path))
    caddy = [str(BIN / "caddy")]
    checked = subprocess.run([*caddy, "validate", "--config", str(DOCKER / "Caddyfile"), "--adapter", "caddyfile"],
                             env=env, capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stderr
    adapted = subprocess.run([*caddy, "adapt", "--config", str(DOCKER / "Caddyfile")], env=env,
                             capture_output=True, text=True, timeout=60)
    assert adapted.returncode == 0, adapted.stderr
    return json.loads(adapted.stdout)


def _handlers(node):
    if isinstance(node, dict):
        if "handler" in node:
            yield node
        for value in node.values():
            yield from _handlers(value)
    elif isinstance(node, list):
        for value in node:
            yield from _handlers(value)


def test_the_caddyfile_is_valid_terminates_tls_with_hsts_and_checks_readiness(tmp_path):
    config = _caddy_json(tmp_path)
    server = next(iter(config["apps"]["http"]["servers"].values()))
    assert server["listen"] == [":443"]
    assert server["routes"][0]["match"][0]["host"] == ["kfflow.example.se"]
    handlers = list(_handlers(server["routes"]))
    headers = next(h for h in handlers if h["handler"] == "headers")
    assert headers["response"]["set"]["Strict-Transport-Security"] == ["max-age=31536000; includeSubDomains"]
    proxy = next(h for h in handlers if h["handler"] == "reverse_proxy")
    assert [u["dial"] for u in proxy["upstreams"]] == ["web-a:5000", "web-b:5000"]
    assert proxy["health_checks"]["active"]["uri"] == "/readyz"
    assert proxy["load_balancing"]["try_duration"] > 0, "a request retries on the other node when one is down"


def _doc_blocks(prefix: str) -> dict[str, str]:
    """The code blocks of docs/deploy.md whose first line names a file, by that name."""
    text = DEPLOY_DOC.read_text(encoding="utf-8")
    blocks = re.findall(r"```\w*\n# (\S+)\n(.*?)```", text, re.S)
    return {name: body for name, body in blocks if name.startswith(prefix)}


def test_the_systemd_units_run_real_commands_with_the_documented_settings():
    env_file = _doc_blocks("/etc/kfflow/")["/etc/kfflow/kfflow.env"]
    env = dict(line.split("=", 1) for line in env_file.splitlines() if line and not line.startswith("#"))
    settings = check_environment(env, "/etc/kfflow/kfflow.env")
    assert settings.production and settings.cookie_secure is True and settings.database_url.startswith("postgresql")

    units = _doc_blocks("/etc/systemd/system/kfflow-")
    assert set(units) == {f"/etc/systemd/system/kfflow-{u}" for u in
                          ("web.service", "worker.service", "scheduler.service", "remind.service", "remind.timer",
                           "storage-sweep.service", "storage-sweep.timer")}
    commands = {}
    for name, body in units.items():
        unit = configparser.ConfigParser(interpolation=None, strict=False)
        unit.optionxform = str
        unit.read_string(body)
        if name.endswith(".timer"):
            assert unit["Timer"]["OnCalendar"] and unit["Install"]["WantedBy"] == "timers.target"
            continue
        service = unit["Service"]
        assert service["EnvironmentFile"] == "/etc/kfflow/kfflow.env" and service["User"] == "kfflow", name
        assert service["ReadWritePaths"] == env["KFFLOW_INSTANCE"], name
        commands[name.rsplit("/", 1)[1]] = kfflow_command(shlex.split(service["ExecStart"]), settings).name
    assert commands == {"kfflow-web.service": "serve", "kfflow-worker.service": "worker",
                        "kfflow-scheduler.service": "scheduler",
                        "kfflow-remind.service": "remind", "kfflow-storage-sweep.service": "sweep"}


def test_the_dockerfile_copies_what_exists_and_starts_a_real_command():
    text = (DOCKER / "Dockerfile").read_text(encoding="utf-8")
    for sources in re.findall(r"^COPY (.+) \S+$", text, re.M):
        for source in sources.split():
            assert (PROJECT_ROOT / source).exists(), f"Dockerfile copies {source}, which does not exist"
    kfflow_command(json.loads(re.search(r"^CMD (.+)$", text, re.M).group(1)))


def test_the_load_scenario_declares_the_real_roles():
    """benchmarks/locustfile.py (`make loadtest`) loads, and its users are the people who use kfflow."""
    listed = subprocess.run([str(BIN / "locust"), "-f", str(PROJECT_ROOT / "benchmarks/locustfile.py"), "--list"],
                            env=clean_env(), capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0, listed.stderr
    assert set(listed.stdout.split()) >= {"Steering", "Owner", "Registrar", "Importer"}, listed.stdout
