"""The whole assistant as real processes: action server, Rasa, gateway (Redis db 8, SQLite)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from bot.serve import action_server_cmd, action_server_env, rasa_server_cmd, rasa_server_env
from govassist.database import upgrade_all
from govassist.settings import Settings
from tests.conftest import KB_DIR, REDIS_BASE_URL, REPO_ROOT, settings_env
from tests.integration.servers import GatewayProcess, free_port, wait_for

REDIS_URL = f"{REDIS_BASE_URL}/8"


@dataclass
class Stack:
    settings: Settings
    gateway: GatewayProcess
    logs: Path


def _env(settings: Settings) -> dict[str, str]:
    """The children's environment: the settings, a long Rasa deadline, no rate limit."""
    return settings_env(settings, RASA_TIMEOUT_S="30", RATE_LIMIT_PER_MINUTE="1000")


def _start(cmd: list[str], env: dict[str, str], cwd: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as fh:
        return subprocess.Popen(
            cmd, env=env, cwd=cwd, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True
        )


@pytest.fixture(scope="session")
def full_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    from govassist.train import ensure_model

    ensure_model(REPO_ROOT / "bot", KB_DIR)
    redis.Redis.from_url(REDIS_URL).flushdb()
    tmp = tmp_path_factory.mktemp("stack")
    gateway_port, rasa_port = free_port(), free_port()
    settings = Settings(
        redis_url=REDIS_URL,
        database_url=f"sqlite:///{tmp / 'govassist.db'}",
        data_dir=tmp,
        kb_dir=KB_DIR,
        rasa_port=rasa_port,
        actions_port=free_port(),
        rasa_url=f"http://127.0.0.1:{rasa_port}",
        public_base_url=f"http://127.0.0.1:{gateway_port}",
        secret_key="integration-secret",
    )
    upgrade_all(settings.resolved_database_url)
    env = {**os.environ, **_env(settings)}
    actions = _start(
        action_server_cmd(settings),
        action_server_env(settings, env),
        REPO_ROOT,
        tmp / "actions.log",
    )
    rasa = _start(
        rasa_server_cmd(settings),
        rasa_server_env(settings, env),
        REPO_ROOT / "bot",
        tmp / "rasa.log",
    )
    gateway = GatewayProcess(_env(settings), tmp / "gateway.log", port=gateway_port)
    try:
        wait_for(f"http://127.0.0.1:{settings.actions_port}/health", 180, actions)
        wait_for(f"{settings.rasa_url}/status", 300, rasa)
        gateway.start(ready_path="/healthz", timeout=300)
        yield Stack(settings, gateway, tmp)
    finally:
        gateway.stop()
        for proc in (rasa, actions):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
