"""`govassist train` change detection and the server command lines."""

from __future__ import annotations

import shutil
from pathlib import Path

import typer
from typer.testing import CliRunner

from bot.serve import action_server_cmd, rasa_server_cmd, rasa_server_env, redis_parts
from govassist.settings import Settings
from govassist.train import fingerprint, model_file, model_is_current, register


def _copy_bot(generated_bot: Path, tmp_path: Path) -> Path:
    """A private copy of the project (with its generated files) that a test may change."""
    bot = tmp_path / "bot"
    for name in ("domain", "data", "generated"):
        shutil.copytree(generated_bot / name, bot / name)
    for name in ("config.yml", "nlu_components.py"):
        shutil.copy(generated_bot / name, bot / name)
    return bot


def test_fingerprint_changes_with_any_input(generated_bot: Path, tmp_path: Path) -> None:
    bot = _copy_bot(generated_bot, tmp_path)
    before = fingerprint(bot)
    assert fingerprint(bot) == before
    rules = bot / "data" / "rules" / "chitchat.yml"
    rules.write_text(rules.read_text() + "\n# changed\n")
    assert fingerprint(bot) != before
    changed = fingerprint(bot)
    (bot / "generated" / "jieba" / "userdict.txt").write_text("新词 1000 n\n")
    assert fingerprint(bot) != changed
    changed = fingerprint(bot)
    components = bot / "nlu_components.py"  # the custom NLU components' code shapes the model
    components.write_text(components.read_text() + "\n# changed\n")
    assert fingerprint(bot) != changed


def test_model_is_current_needs_model_and_matching_fingerprint(
    generated_bot: Path, tmp_path: Path
) -> None:
    bot = _copy_bot(generated_bot, tmp_path)
    assert not model_is_current(bot)
    model_file(bot).parent.mkdir()
    model_file(bot).write_bytes(b"model")
    (bot / "models" / "govassist.fingerprint").write_text(fingerprint(bot))
    assert model_is_current(bot)
    (bot / "config.yml").write_text((bot / "config.yml").read_text() + "\n")
    assert not model_is_current(bot)


def test_train_command_reports_up_to_date(trained_model: Path) -> None:
    app = typer.Typer()
    register(app)

    @app.command()
    def noop() -> None:  # a second command keeps `train` a named subcommand
        """No-op."""

    result = CliRunner().invoke(app, ["train"])
    assert result.exit_code == 0, result.output
    assert "model up to date" in result.output


def test_servers_listen_on_loopback_only() -> None:
    settings = Settings(rasa_port=5105, actions_port=5155, redis_url="redis://:pw@10.0.0.5:6380/4")
    rasa = rasa_server_cmd(settings)
    assert rasa[rasa.index("--interface") + 1] == "127.0.0.1"
    assert rasa[rasa.index("--port") + 1] == "5105"
    assert "--enable-api" in rasa and "--logging-config-file" in rasa
    actions = action_server_cmd(settings)
    assert actions[-2:] == ["--port", "5155"] and "bot.action_server" in actions
    env = rasa_server_env(settings, {})
    assert (env["REDIS_HOST"], env["REDIS_PORT"], env["REDIS_DB"], env["REDIS_PASSWORD"]) == (
        "10.0.0.5",
        "6380",
        "4",
        "pw",
    )
    assert env["ACTIONS_PORT"] == "5155"
    assert env["SANIC_WORKERS"] == "2"  # two Rasa workers by default (docs/BENCHMARKS.md)
    assert rasa_server_env(Settings(rasa_workers=1), {})["SANIC_WORKERS"] == "1"
    assert env["PROMETHEUS_MULTIPROC_DIR"].endswith("rasa-metrics/5105")  # /metrics of all workers


def test_redis_parts_defaults() -> None:
    assert redis_parts("") == {
        "REDIS_HOST": "127.0.0.1",
        "REDIS_PORT": "6379",
        "REDIS_DB": "0",
        "REDIS_PASSWORD": "",
    }
