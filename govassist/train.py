"""`govassist train`: generate the KB-derived bot files; train the Rasa model if inputs changed.

The fingerprint covers config.yml, the hand-written domain and data, the files generated from the
KB and the Rasa version; it is stored beside the model (`bot/models/govassist.fingerprint`).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import typer

MODEL_NAME = "govassist"
FINGERPRINT_SUFFIX = ".fingerprint"
_RASA_VERSION = "3.6.21"


class TrainingFailed(RuntimeError):
    """`rasa train` or `rasa data validate` failed; the message holds the end of its output."""


def _rasa_bin(bot_dir: Path) -> Path:
    return bot_dir.resolve().parent / ".venv-rasa" / "bin" / "rasa"


def rasa_data_args() -> list[str]:
    """Domain, data and config arguments shared by every rasa command (cwd = bot dir)."""
    return [
        "--domain",
        "generated/domain",
        "--data",
        "data",
        "generated/data",
        "--config",
        "config.yml",
    ]


def training_inputs(bot_dir: Path) -> list[Path]:
    """Every file the model depends on, in a stable order."""
    files = [bot_dir / "config.yml", bot_dir / "nlu_components.py"]  # custom NLU components
    for folder in ("domain", "data", "generated"):
        files += sorted(p for p in (bot_dir / folder).rglob("*") if p.is_file())
    return files


def fingerprint(bot_dir: Path) -> str:
    digest = hashlib.sha256(_RASA_VERSION.encode())
    for path in training_inputs(bot_dir):
        digest.update(str(path.relative_to(bot_dir)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def model_file(bot_dir: Path) -> Path:
    return bot_dir / "models" / f"{MODEL_NAME}.tar.gz"


def _fingerprint_file(bot_dir: Path) -> Path:
    return bot_dir / "models" / f"{MODEL_NAME}{FINGERPRINT_SUFFIX}"


def _run_rasa(bot_dir: Path, args: list[str]) -> None:
    env = dict(
        os.environ,
        PYTHONPATH=str(bot_dir.resolve().parent),  # bot/nlu_components.py uses search.encoders
        RASA_TELEMETRY_ENABLED="false",
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
        TF_CPP_MIN_LOG_LEVEL="2",
    )
    result = subprocess.run(
        [str(_rasa_bin(bot_dir)), *args],
        cwd=bot_dir,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-30:])
        raise TrainingFailed(f"rasa {args[0]} failed (exit {result.returncode}):\n{tail}")


def _generate(bot_dir: Path, kb_dir: Path) -> None:
    from bot.generate import generate

    generate(kb_dir, bot_dir)


def validate_data(bot_dir: Path, kb_dir: Path) -> None:
    """Generate, then `rasa data validate --fail-on-warnings`; raises TrainingFailed."""
    _generate(bot_dir, kb_dir)
    _run_rasa(bot_dir, ["data", "validate", *rasa_data_args(), "--fail-on-warnings"])


def model_is_current(bot_dir: Path) -> bool:
    marker = _fingerprint_file(bot_dir)
    return (
        model_file(bot_dir).exists()
        and marker.exists()
        and marker.read_text().strip() == fingerprint(bot_dir)
    )


def ensure_model(bot_dir: Path, kb_dir: Path, force: bool = False) -> Path:
    """Train only when an input changed (or `force`); returns the model path."""
    _generate(bot_dir, kb_dir)
    if not force and model_is_current(bot_dir):
        return model_file(bot_dir)
    inputs = fingerprint(bot_dir)  # taken before training: edits made meanwhile retrain next time
    args = ["train", *rasa_data_args(), "--out", "models", "--fixed-model-name", MODEL_NAME]
    _run_rasa(bot_dir, args)
    _fingerprint_file(bot_dir).write_text(inputs + "\n")
    return model_file(bot_dir)


def register(app: typer.Typer) -> None:
    """Add `train` to the root command."""

    @app.command()
    def train(
        force: bool = typer.Option(False, "--force", help="train even if nothing changed"),
        validate_only: bool = typer.Option(
            False, "--validate-only", help="generate and validate the training data, no training"
        ),
    ) -> None:
        """Train the Rasa model (bot/models/govassist.tar.gz) if its inputs changed."""
        from govassist.settings import Settings

        settings = Settings()
        try:
            if validate_only:
                validate_data(settings.bot_dir, settings.kb_dir)
                typer.echo("training data valid")
                return
            if not force:
                _generate(settings.bot_dir, settings.kb_dir)
                if model_is_current(settings.bot_dir):
                    typer.echo(f"model up to date: {model_file(settings.bot_dir)}")
                    return
            typer.echo("training the Rasa model (about 2–3 minutes) …")
            path = ensure_model(settings.bot_dir, settings.kb_dir, force=force)
        except TrainingFailed as exc:
            typer.secho(str(exc), fg=typer.colors.RED, err=True)
            raise typer.Exit(1) from None
        typer.echo(f"model trained: {path}")
