"""deploy/ runs every process as `govassist demo` does: same entry points, loopback, Rasa API token.

The Procfile, the systemd units, the container entry point and the compose file are parsed here and
compared with the runner's own commands (govassist/runner.py), so they cannot drift apart again.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml

from govassist.runner import _services, child_env, serve_plan
from govassist.settings import Settings
from tests.conftest import REPO_ROOT

DEPLOY = REPO_ROOT / "deploy"
ROLES = ("gateway", "actions", "rasa", "worker")


def _settings(**overrides: object) -> Settings:
    values: dict[str, object] = {
        "redis_url": "redis://:pw@10.0.0.5:6380/2",
        "rasa_auth_token": "s3cret-rasa-token",
        "actions_port": 5155,
        "rasa_port": 5105,
    }
    return Settings(**{**values, **overrides})  # type: ignore[arg-type]


def _procfile() -> dict[str, list[str]]:
    lines = (DEPLOY / "Procfile").read_text().splitlines()
    pairs = [line.split(":", 1) for line in lines if line and not line.startswith("#")]
    return {name.strip(): shlex.split(cmd) for name, cmd in pairs}


def _entrypoint() -> dict[str, list[str]]:
    text = (DEPLOY / "entrypoint.sh").read_text()
    main = text[text.rindex('case "$role" in') :]
    branches = re.findall(r"^\s*(\w+)\)(.*?);;", main, flags=re.M | re.S)
    found = {}
    for role, body in branches:
        execs = [s for s in body.split("\n") if s.strip().startswith(("exec", role))]
        found[role] = shlex.split(execs[-1].split("exec", 1)[1]) if execs else []
    return found


def _systemd() -> dict[str, list[str]]:
    found = {}
    for unit in (DEPLOY / "systemd").glob("govassist-*.service"):
        role = unit.name.removeprefix("govassist-").split("@")[0].removesuffix(".service")
        (line,) = [x for x in unit.read_text().splitlines() if x.startswith("ExecStart=")]
        found[role] = shlex.split(line.removeprefix("ExecStart="))
    return found


def _entry(cmd: list[str]) -> tuple[str, ...]:
    """('module', name) for `python -m name`, ('serve', role, *args) for `govassist serve role`."""
    exe = Path(cmd[0]).name
    if exe.startswith("python"):
        assert cmd[1] == "-m", cmd
        return ("module", cmd[2])
    assert exe == "govassist" and cmd[1] == "serve", f"not a govassist entry point: {cmd}"
    return ("serve", *cmd[2:])


def _runner_commands(settings: Settings) -> dict[str, list[str]]:
    env = child_env(settings, settings.redis_url)
    names = {"action server": "actions", "Rasa server": "rasa", "ticket worker": "worker"}
    return {names.get(s.name, s.name): s.cmd for s in _services(settings, env)}


PROCESS_FILES = {"Procfile": _procfile, "entrypoint.sh": _entrypoint, "systemd": _systemd}


@pytest.mark.parametrize("source", PROCESS_FILES)
def test_every_process_file_runs_the_runners_entry_points(source: str) -> None:
    commands = PROCESS_FILES[source]()
    runner = _runner_commands(_settings())
    assert set(ROLES) <= set(commands), f"{source} lacks a role"
    for role in ("gateway", "worker"):
        assert _entry(commands[role]) == ("module", runner[role][2]), (source, role)
    assert _entry(commands["actions"])[:2] == ("serve", "actions"), source
    assert _entry(commands["rasa"])[:2] == ("serve", "rasa"), source


@pytest.mark.parametrize("source", PROCESS_FILES)
def test_action_server_is_never_bound_beyond_loopback(source: str) -> None:
    actions = PROCESS_FILES[source]()["actions"]
    assert "--host" not in actions and "0.0.0.0" not in actions, source
    assert "rasa_sdk" not in actions, f"{source}: rasa_sdk skips the PII log masking"


def test_serve_runs_exactly_what_the_demo_runs() -> None:
    settings = _settings()
    runner = _runner_commands(settings)
    actions = serve_plan("actions", settings)
    assert actions.cmd == runner["actions"]
    assert actions.cmd[1:3] == ["-m", "bot.action_server"]
    rasa = serve_plan("rasa", settings)
    assert rasa.cmd == runner["rasa"]
    for flag in ("--endpoints", "--credentials", "--logging-config-file", "--enable-api"):
        assert flag in rasa.cmd
    assert rasa.cmd[rasa.cmd.index("--logging-config-file") + 1].endswith("bot/rasa_logging.yml")
    assert rasa.cmd[rasa.cmd.index("--auth-token") + 1] == "s3cret-rasa-token"
    assert rasa.cmd[rasa.cmd.index("--interface") + 1] == "127.0.0.1"
    parts = [rasa.env[k] for k in ("REDIS_HOST", "REDIS_PORT", "REDIS_DB", "REDIS_PASSWORD")]
    assert parts == ["10.0.0.5", "6380", "2", "pw"]  # bot/endpoints.yml: tracker and lock store
    assert rasa.env["ACTIONS_PORT"] == "5155"


def test_rasa_off_loopback_needs_a_real_auth_token() -> None:
    with pytest.raises(ValueError, match="RASA_AUTH_TOKEN"):
        serve_plan("rasa", _settings(rasa_auth_token="rasa-dev-token"), host="0.0.0.0")
    rasa = serve_plan("rasa", _settings(), host="0.0.0.0")
    assert rasa.cmd[rasa.cmd.index("--interface") + 1] == "0.0.0.0"
    assert rasa.cmd[rasa.cmd.index("--auth-token") + 1] == "s3cret-rasa-token"


def test_serve_needs_the_shared_redis() -> None:
    with pytest.raises(ValueError, match="REDIS_URL"):
        serve_plan("actions", _settings(redis_url=""))


def test_compose_publishes_only_the_gateway_and_takes_secrets_from_the_environment() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    roles = {name: s.get("environment", {}).get("GOVASSIST_ROLE") for name, s in services.items()}
    assert {r for r in roles.values() if r} == set(ROLES)
    published = {name for name, s in services.items() if s.get("ports")}
    assert published == {"gateway"}
    assert services["actions"]["network_mode"] == "service:rasa"  # Rasa calls it on 127.0.0.1
    env = services["rasa"]["environment"]
    assert env["GOVASSIST_ENV"] == "production"
    assert re.fullmatch(r"\$\{RASA_AUTH_TOKEN:\?[^}]*\}", env["RASA_AUTH_TOKEN"])
    assert _entrypoint()["rasa"][-2:] == ["--host", "0.0.0.0"]  # with that token only


def test_the_image_exposes_only_the_gateway() -> None:
    text = (DEPLOY / "Containerfile").read_text()
    assert re.findall(r"^EXPOSE (.*)$", text, flags=re.M) == ["8000"]


def test_deployment_guide_names_every_process_file_and_command() -> None:
    guide = (REPO_ROOT / "docs" / "DEPLOYMENT.md").read_text(encoding="utf-8")
    for path in DEPLOY.rglob("*"):
        if path.is_file() and not path.name.startswith("govassist-"):
            assert f"deploy/{path.relative_to(DEPLOY)}" in guide, path
    for command in ("govassist serve rasa", "govassist serve actions", "python -m channels.serve"):
        assert command in guide
    assert "RASA_AUTH_TOKEN" in guide
