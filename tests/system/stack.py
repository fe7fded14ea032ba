"""Real processes of a whole govassist deployment for system tests.

Every process runs in its own session (process group) so the tests can `kill -9` and restart
it exactly like an operator's worst day: action server, Rasa servers, gateways, round-robin
proxies (scripts/rrproxy.py), an own redis-server, and a PostgreSQL database per session.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bot.serve import action_server_cmd, action_server_env, rasa_server_cmd, rasa_server_env
from govassist.settings import Settings
from tests.conftest import settings_env
from tests.integration.servers import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
KB_DIR = REPO_ROOT / "knowledge" / "data"
BOT_DIR = REPO_ROOT / "bot"
PY = sys.executable


def wait_until(
    url: str,
    timeout: float,
    proc: subprocess.Popen[bytes] | None,
    log: Path | None,
    ready: Any = None,
) -> float:
    """Poll `url` until it answers 2xx (and `ready(response)`); return the seconds it took."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if proc is not None and proc.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:] if log else ""
            raise RuntimeError(f"process for {url} exited with {proc.returncode}:\n{tail}")
        try:
            response = httpx.get(url, timeout=2)
            if response.is_success and (ready is None or ready(response)):
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    tail = log.read_text(errors="replace")[-3000:] if log else ""
    raise TimeoutError(f"{url} not ready after {timeout}s:\n{tail}")


@dataclass
class Service:
    """One restartable child process with its log file and readiness URL."""

    name: str
    cmd: list[str]
    env: dict[str, str]
    cwd: Path
    log: Path
    ready_url: str | None = None
    ready: Any = None
    timeout: float = 240
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def start(self, wait: bool = True) -> float:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                self.cmd,
                env=self.env,
                cwd=self.cwd,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self.wait() if wait else 0.0

    def wait(self) -> float:
        if self.ready_url is None:
            return 0.0
        return wait_until(self.ready_url, self.timeout, self.proc, self.log, self.ready)

    def kill9(self) -> None:
        """SIGKILL the whole process group, no chance to clean up."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
            except ProcessLookupError:
                pass


def base_settings(
    tmp: Path, redis_url: str, database_url: str, index_dir: Path, **extra: Any
) -> Settings:
    return Settings(
        redis_url=redis_url,
        database_url=database_url,
        data_dir=tmp,
        index_dir=index_dir,
        kb_dir=KB_DIR,
        bot_dir=BOT_DIR,
        public_base_url="http://govassist.test",
        secret_key="system-test-secret",
        rate_limit_per_minute=10_000,
        **extra,
    )


def action_service(settings: Settings, tmp: Path) -> Service:
    env = action_server_env(settings, {**os.environ, **settings_env(settings)})
    return Service(
        "action server",
        action_server_cmd(settings),
        env,
        REPO_ROOT,
        tmp / "actions.log",
        f"http://127.0.0.1:{settings.actions_port}/health",
        timeout=180,
    )


def rasa_service(settings: Settings, tmp: Path, name: str = "rasa") -> Service:
    env = rasa_server_env(settings, {**os.environ, **settings_env(settings)})
    cmd = rasa_server_cmd(settings)
    own_model = settings.data_dir.parent / "govassist.tar.gz"  # copied by the system_index fixture
    if own_model.exists():
        cmd[cmd.index("--model") + 1] = str(own_model)
    return Service(
        name,
        cmd,
        env,
        BOT_DIR,
        tmp / f"{name}.log",
        f"http://127.0.0.1:{settings.rasa_port}/status",
        ready=lambda r: bool(r.json().get("model_file")),
        timeout=300,
    )


def gateway_service(settings: Settings, tmp: Path, port: int, name: str = "gateway") -> Service:
    env = {**os.environ, **settings_env(settings), "GOVASSIST_PORT": str(port)}
    cmd = [PY, "-m", "channels.serve", "--host", "127.0.0.1", "--port", str(port)]
    return Service(
        name,
        cmd,
        env,
        REPO_ROOT,
        tmp / f"{name}.log",
        f"http://127.0.0.1:{port}/healthz",
        timeout=300,
    )


def proxy_service(upstreams: list[str], tmp: Path, name: str) -> tuple[Service, str]:
    port = free_port()
    cmd = [PY, str(REPO_ROOT / "scripts" / "rrproxy.py"), "--port", str(port)]
    for upstream in upstreams:
        cmd += ["--upstream", upstream]
    url = f"http://127.0.0.1:{port}"
    return Service(
        name,
        cmd,
        dict(os.environ),
        REPO_ROOT,
        tmp / f"{name}.log",
        f"{url}/__rrproxy/stats",
        timeout=30,
    ), url


def proxy_counts(url: str) -> dict[str, int]:
    return dict(httpx.get(f"{url}/__rrproxy/stats", timeout=5).json()["served"])


def redis_service(tmp: Path, port: int) -> Service:
    """An own redis-server with AOF persistence (the shared one must never be killed)."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server not on PATH")
    data = tmp / "redis"
    data.mkdir(exist_ok=True)
    cmd = [
        binary,
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        str(data),
        "--appendonly",
        "yes",
        "--appendfsync",
        "always",
        "--save",
        "",
        "--protected-mode",
        "no",
    ]
    return Service("redis", cmd, dict(os.environ), tmp, tmp / "redis.log", None)


def wait_redis(port: int, timeout: float = 30) -> None:
    import redis

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        client = redis.Redis(port=port, socket_timeout=1)
        try:
            if client.ping():
                return
        except redis.RedisError:
            time.sleep(0.2)
        finally:
            client.close()
    raise TimeoutError(f"redis on {port} not up")


def build_index(index_dir: Path, log: Path) -> None:
    """`govassist index build` once per session (every process then only loads it)."""
    env = {**os.environ, "INDEX_DIR": str(index_dir), "KB_DIR": str(KB_DIR), "HF_HUB_OFFLINE": "1"}
    with log.open("ab") as out:
        subprocess.run(
            [str(Path(PY).parent / "govassist"), "index", "build"],
            env=env,
            cwd=REPO_ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            check=True,
            timeout=600,
        )


def chat(base_url: str, sender: str, text: str, timeout: float = 120) -> dict[str, Any]:
    response = httpx.post(
        f"{base_url}/api/chat", json={"sender_id": sender, "text": text}, timeout=timeout
    )
    response.raise_for_status()
    return dict(response.json())


def text_of(reply: dict[str, Any]) -> str:
    parts: list[str] = []
    for message in reply.get("messages", []):
        parts.append(str(message.get("text") or ""))
        if message.get("link"):
            parts.append(str(message["link"]))
        for button in message.get("buttons") or []:
            parts.append(str(button.get("title") or ""))
    return "\n".join(p for p in parts if p)


def postgres_bindir() -> Path | None:
    """The PostgreSQL server binaries (initdb, postgres); Debian keeps them off PATH."""
    found = shutil.which("pg_config")
    if found:
        out = subprocess.run([found, "--bindir"], capture_output=True, text=True, check=False)
        bindir = Path(out.stdout.strip())
        if (bindir / "initdb").exists():
            return bindir
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)
    return candidates[0].parent if candidates else None


def postgres_service(tmp: Path, port: int, log: Path) -> Service:
    """An own PostgreSQL cluster (initdb, trust auth) in `tmp` that the fault test may `kill -9`.

    The machine's shared server must never be killed. PostgreSQL refuses to run as root, so as
    root the cluster belongs to the `postgres` user (runuser), and `tmp` must be a directory that
    user can reach (not under pytest's 0700 root-owned temp folder)."""
    bindir = postgres_bindir()
    if bindir is None:
        raise RuntimeError("PostgreSQL server binaries (initdb) not found")
    data, sockets = tmp / "pgdata", tmp / "pgsock"
    sockets.mkdir(exist_ok=True)
    as_user: list[str] = []
    if os.geteuid() == 0:
        as_user = ["runuser", "-u", "postgres", "--"]
        shutil.chown(tmp, "postgres")
        shutil.chown(sockets, "postgres")
    if not data.exists():
        with log.open("ab") as out:
            subprocess.run(
                [*as_user, str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U",
                 "postgres", "-E", "UTF8", "--no-sync"],
                stdout=out, stderr=subprocess.STDOUT, check=True, timeout=120,
            )  # fmt: skip
    cmd = [*as_user, str(bindir / "postgres"), "-D", str(data), "-p", str(port),
           "-c", "listen_addresses=127.0.0.1", "-k", str(sockets), "-c", "fsync=on"]  # fmt: skip
    return Service("postgres", cmd, dict(os.environ), tmp, log, None)


def wait_postgres(url: str, timeout: float = 60) -> None:
    import psycopg

    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(url, connect_timeout=2):
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)
