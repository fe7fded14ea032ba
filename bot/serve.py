"""Command lines and environments of the two bot processes (used by govassist's runner and tests).

- Rasa server (.venv-rasa, Python 3.10): REST channel + HTTP API on loopback, Redis tracker and
  lock stores (bot/endpoints.yml reads REDIS_HOST/PORT/DB/PASSWORD and ACTIONS_PORT), logs through
  bot/rasa_logging.yml whose filter masks ID numbers and phones.
- Action server (.venv, rasa-sdk 3.21): `python -m bot.action_server`, loopback only.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

from govassist.settings import REPO_ROOT, Settings

MODEL_NAME = "govassist"
RASA_BIN = REPO_ROOT / ".venv-rasa" / "bin" / "rasa"


def model_path(settings: Settings) -> Path:
    return settings.bot_dir / "models" / f"{MODEL_NAME}.tar.gz"


def rasa_server_cmd(settings: Settings) -> list[str]:
    """`rasa run` for the trained model; run it with cwd=bot_dir and `rasa_server_env`."""
    bot = settings.bot_dir
    # `env` makes the command self-sufficient under any runner: the log filter must be importable
    return [
        "/usr/bin/env", f"PYTHONPATH={REPO_ROOT}", "RASA_TELEMETRY_ENABLED=false",
        "SQLALCHEMY_SILENCE_UBER_WARNING=1", "TF_CPP_MIN_LOG_LEVEL=2", "PYTHONIOENCODING=utf-8",
        str(RASA_BIN), "run",
        "--model", str(model_path(settings)),
        "--endpoints", str(bot / "endpoints.yml"),
        "--credentials", str(bot / "credentials.yml"),
        "--logging-config-file", str(bot / "rasa_logging.yml"),
        "--interface", "127.0.0.1",
        "--port", str(settings.rasa_port),
        "--enable-api",
        "--response-timeout", "60",
    ]  # fmt: skip


def action_server_cmd(settings: Settings) -> list[str]:
    """The rasa-sdk action server in the main environment; run it with cwd=REPO_ROOT."""
    return [
        str(REPO_ROOT / ".venv" / "bin" / "python"), "-m", "bot.action_server",
        "--port", str(settings.actions_port),
    ]  # fmt: skip


def redis_parts(redis_url: str) -> dict[str, str]:
    """REDIS_HOST/PORT/DB/PASSWORD for endpoints.yml from a redis:// URL."""
    parsed = urlparse(redis_url or "redis://127.0.0.1:6379/0")
    return {
        "REDIS_HOST": parsed.hostname or "127.0.0.1",
        "REDIS_PORT": str(parsed.port or 6379),
        "REDIS_DB": parsed.path.lstrip("/") or "0",
        "REDIS_PASSWORD": parsed.password or "",
    }


def _base_env(settings: Settings, base: dict[str, str] | None) -> dict[str, str]:
    env = dict(os.environ if base is None else base)
    env.update(redis_parts(settings.redis_url))
    env.update(
        REDIS_URL=settings.redis_url or "redis://127.0.0.1:6379/0",
        ACTIONS_PORT=str(settings.actions_port),
        RASA_PORT=str(settings.rasa_port),
        SECRET_KEY=settings.secret_key.get_secret_value(),  # the tracker store encrypts with it
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        PYTHONUNBUFFERED="1",
    )
    return env


def rasa_metrics_dir(settings: Settings) -> Path:
    """Where the Rasa server's workers keep their metric samples (one folder per server port)."""
    return settings.data_dir / "rasa-metrics" / str(settings.rasa_port)


def rasa_process_env(settings: Settings) -> dict[str, str]:
    """What only the Rasa server needs on top of the shared child environment: workers, metrics
    folder, no telemetry, the repo on the path (channel, log filter, tracker store)."""
    return {
        "RASA_TELEMETRY_ENABLED": "false",
        "SANIC_WORKERS": str(settings.rasa_workers),  # >1 is safe with the Redis lock store
        "PROMETHEUS_MULTIPROC_DIR": str(rasa_metrics_dir(settings)),  # /metrics over all workers
        "PYTHONPATH": str(REPO_ROOT),
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "TF_CPP_MIN_LOG_LEVEL": "2",
    }


def rasa_server_env(settings: Settings, base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment of the Rasa server: Redis parts from REDIS_URL plus `rasa_process_env`."""
    return {**_base_env(settings, base), **rasa_process_env(settings)}


def action_server_env(settings: Settings, base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment of the action server (reads Settings from it)."""
    return _base_env(settings, base)
