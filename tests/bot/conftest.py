"""Fixtures of the bot tests: settings on Redis db 3 and a temp SQLite DB, the real KB and search,
the trained model, and a running Rasa server + action server."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from bot.actions.services import BotServices
from bot.applications.db import upgrade
from bot.serve import action_server_cmd, action_server_env, rasa_server_cmd, rasa_server_env
from govassist.settings import Settings
from tests.conftest import KB_DIR, REDIS_BASE_URL, REPO_ROOT, settings_env

BOT_DIR = REPO_ROOT / "bot"
REDIS_URL = f"{REDIS_BASE_URL}/3"
# A busy 2-core machine took more than 3 minutes to load the model (the runner waits 10 too).
RASA_LOAD_TIMEOUT_S = 600


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def bot_tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("bot")


@pytest.fixture(scope="session")
def generated_bot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the hand-written bot project with `generated/` freshly written from the KB.

    bot/generated/ is gitignored: tests that read generated files use this copy, so they pass
    on a fresh clone and run alone, and never rewrite the checkout's folder under a running
    training."""
    from bot.generate import generate

    bot = tmp_path_factory.mktemp("generated") / "bot"
    for name in ("domain", "data"):
        shutil.copytree(BOT_DIR / name, bot / name)
    for name in ("config.yml", "nlu_components.py"):  # config.yml names the custom components
        shutil.copy(BOT_DIR / name, bot / name)
    generate(KB_DIR, bot)
    return bot


@pytest.fixture(scope="session")
def bot_settings(bot_tmp: Path) -> Settings:
    settings = Settings(
        redis_url=REDIS_URL,
        database_url=f"sqlite:///{bot_tmp / 'bot.db'}",
        data_dir=bot_tmp,
        index_dir=bot_tmp / "index",
        kb_dir=KB_DIR,
        bot_dir=BOT_DIR,
        rasa_port=free_port(),
        actions_port=free_port(),
        public_base_url="http://testserver",
        secret_key="bot-test-secret",
    )
    upgrade(settings.resolved_database_url)
    return settings


@pytest.fixture(scope="session")
def services(bot_settings: Settings) -> BotServices:
    return BotServices(bot_settings)


@pytest.fixture()
def redis_db() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    yield client
    client.close()


@pytest.fixture(scope="session")
def trained_model() -> Path:
    from govassist.train import ensure_model

    return ensure_model(BOT_DIR, KB_DIR)


def _wait(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float, ready: Any) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url} exited {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            response = httpx.get(url, timeout=2)
            if response.is_success and ready(response):
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise RuntimeError(f"{url} not ready after {timeout}s:\n{log.read_text()[-3000:]}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


@dataclass
class BotStack:
    """The running Rasa server and action server of a test session."""

    settings: Settings
    rasa_url: str
    rasa_log: Path
    actions_log: Path
    actions: subprocess.Popen[bytes] | None = None

    def start_actions(self) -> None:
        env = action_server_env(self.settings, {**os.environ, **settings_env(self.settings)})
        with self.actions_log.open("ab") as log:
            self.actions = subprocess.Popen(
                action_server_cmd(self.settings),
                env=env,
                cwd=REPO_ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        _wait(
            f"http://127.0.0.1:{self.settings.actions_port}/health",
            self.actions,
            self.actions_log,
            60,
            lambda r: True,
        )

    def stop_actions(self) -> None:
        if self.actions is not None:
            _stop(self.actions)
            self.actions = None

    def say(self, sender: str, text: str, channel: str = "web") -> list[dict[str, Any]]:
        body = {"sender": sender, "message": text, "metadata": {"channel": channel}}
        response = httpx.post(f"{self.rasa_url}/webhooks/rest/webhook", json=body, timeout=90)
        response.raise_for_status()
        return list(response.json())


def reply_text(replies: list[dict[str, Any]]) -> str:
    """All texts of a REST reply, custom payload texts included."""
    parts = []
    for item in replies:
        parts.append(str(item.get("text") or ""))
        custom = item.get("custom") or {}
        parts.append(str(custom.get("text") or ""))
    return "\n".join(p for p in parts if p)


@pytest.fixture(scope="session")
def bot_stack(bot_settings: Settings, trained_model: Path, bot_tmp: Path) -> Iterator[BotStack]:
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    client.close()
    stack = BotStack(
        settings=bot_settings,
        rasa_url=f"http://127.0.0.1:{bot_settings.rasa_port}",
        rasa_log=bot_tmp / "rasa.log",
        actions_log=bot_tmp / "actions.log",
    )
    stack.start_actions()
    # DEBUG makes Rasa log every message: the PII test then proves the log filter masks them
    env = rasa_server_env(
        bot_settings, {**os.environ, **settings_env(bot_settings), "LOG_LEVEL": "DEBUG"}
    )
    with stack.rasa_log.open("ab") as log:
        rasa = subprocess.Popen(
            rasa_server_cmd(bot_settings),
            env=env,
            cwd=BOT_DIR,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait(
            f"{stack.rasa_url}/status",
            rasa,
            stack.rasa_log,
            RASA_LOAD_TIMEOUT_S,
            lambda r: bool(r.json().get("model_file")),
        )
        stack.say("warmup", "你好")  # loads the KB and the search index in the action server
        yield stack
    finally:
        _stop(rasa)
        stack.stop_actions()
