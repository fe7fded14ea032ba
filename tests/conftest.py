"""Session-wide fixtures shared by every package's tests: paths and real service URLs."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
KB_DIR = REPO_ROOT / "knowledge" / "data"
SHARED_DIR = REPO_ROOT.parent / "shared"
REDIS_BASE_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")
POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
CHROMIUM = Path("/usr/bin/chromium")
BROWSER_ARTIFACTS = REPO_ROOT / "test-artifacts" / "browser"


@contextmanager
def fresh_postgres_database(prefix: str) -> Iterator[str]:
    """A new, empty database on the test PostgreSQL server, dropped afterwards; yields its URL."""
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def settings_env(settings: Any, **overrides: str) -> dict[str, str]:
    """Environment variables that make `Settings()` in a child process equal `settings`."""
    env = {
        "REDIS_URL": settings.redis_url,
        "DATABASE_URL": settings.resolved_database_url,
        "DATA_DIR": str(settings.data_dir),
        "INDEX_DIR": str(settings.resolved_index_dir),
        "KB_DIR": str(settings.kb_dir),
        "BOT_DIR": str(settings.bot_dir),
        "PUBLIC_BASE_URL": settings.public_base_url,
        "SECRET_KEY": settings.secret_key.get_secret_value(),
        "ACTIONS_PORT": str(settings.actions_port),
        "RASA_PORT": str(settings.rasa_port),
        "RASA_URL": settings.rasa_url,
        "RASA_TIMEOUT_S": str(settings.rasa_timeout_s),
        "RATE_LIMIT_PER_MINUTE": str(settings.rate_limit_per_minute),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "PYTHONUNBUFFERED": "1",
    }
    return {**env, **overrides}


@contextmanager
def headless_chromium() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (never a downloaded browser); screenshots dir made.

    Used by module-scoped fixtures: Playwright's sync API must not outlive the module into tests
    that run their own asyncio loop.
    """
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: run scripts/ensure-chromium.sh (make test does)")
    from playwright.sync_api import sync_playwright

    BROWSER_ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def kb_dir() -> Path:
    return KB_DIR


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED_DIR.is_dir():
        pytest.fail(f"shared material not found at {SHARED_DIR}")
    return SHARED_DIR


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"
