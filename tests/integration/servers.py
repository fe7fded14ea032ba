"""Start real processes for end-to-end tests: the gateway under uvicorn, on a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(
    url: str,
    timeout: float,
    proc: subprocess.Popen[bytes] | None = None,
    ok_codes: tuple[int, ...] = (200,),
) -> None:
    """Poll `url` until it answers one of `ok_codes`; fail early if the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before {url} was ready")
        try:
            if httpx.get(url, timeout=1.0).status_code in ok_codes:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{url} not ready after {timeout}s")


class GatewayProcess:
    """`python -m channels.serve` (uvicorn, hardened) with the given environment; restartable."""

    def __init__(self, env: dict[str, str], log_path: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        self.env = {**os.environ, **env, "GOVASSIST_PORT": str(self.port), "HF_HUB_OFFLINE": "1"}
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, ready_path: str = "/livez", timeout: float = 120) -> None:
        cmd = [
            sys.executable,
            "-m",
            "channels.serve",  # the hardened launcher production uses (request deadlines)
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
        ]
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            cmd, cwd=REPO_ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        wait_for(self.url + ready_path, timeout, self.proc)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@contextmanager
def console_gateway(redis_url: str, data: Path, **env: str) -> Iterator[GatewayProcess]:
    """A gateway for the console pages: no Rasa, no encoder, tickets in SQLite under `data`,
    Redis database `redis_url` emptied before and after; `env` adds or overrides variables."""
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    base = {
        "REDIS_URL": redis_url,
        "RASA_URL": "http://127.0.0.1:9",
        "DATA_DIR": str(data),
        "DATABASE_URL": f"sqlite:///{data / 'tickets.db'}",
        "ENCODER": "off",
        "DEPARTMENT_TOKENS": "",
    }
    server = GatewayProcess({**base, **env}, data / "gateway.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()
        redis.Redis.from_url(redis_url).flushdb()
