"""Slow clients against a real gateway process: slowloris headers, a trickled body, a silent socket.

They must not keep others waiting, and the server closes each of them once REQUEST_READ_TIMEOUT_S
has passed (408 when nothing was answered yet). Redis db 11; Rasa and search are off.
"""

from __future__ import annotations

import itertools
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import redis

from tests.conftest import REDIS_BASE_URL
from tests.integration.servers import GatewayProcess

TIMEOUT_S = 2.0
SLOWLORIS, SLOW_BODIES, SILENT = 40, 5, 3


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GatewayProcess]:
    redis.Redis.from_url(f"{REDIS_BASE_URL}/11").flushdb()
    data = tmp_path_factory.mktemp("slow")
    server = GatewayProcess(
        {
            "REDIS_URL": f"{REDIS_BASE_URL}/11",
            "RASA_URL": "http://127.0.0.1:9",
            "DATA_DIR": str(data),
            "ENCODER": "off",
            "REQUEST_READ_TIMEOUT_S": str(TIMEOUT_S),
            "KEEP_ALIVE_TIMEOUT_S": "1",
        },
        data / "gateway.log",
    )
    server.start()
    yield server
    server.stop()


@dataclass
class SlowClient:
    """One connection that never finishes its request; records when and how the server ended it."""

    port: int
    chunks: list[bytes]
    opened_at: float = 0.0
    closed_after: float | None = None
    received: bytes = b""
    thread: threading.Thread = field(init=False)

    def start(self) -> None:
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        with socket.create_connection(("127.0.0.1", self.port)) as sock:
            sock.settimeout(0.3)
            self.opened_at = time.monotonic()
            for chunk in itertools.cycle(self.chunks):
                if time.monotonic() - self.opened_at > 6 * TIMEOUT_S:
                    return  # the server never closed us
                try:
                    if chunk:
                        sock.sendall(chunk)
                    data = sock.recv(4096)
                except TimeoutError:
                    continue
                except OSError:
                    break
                if not data:
                    break
                self.received += data
            self.closed_after = time.monotonic() - self.opened_at


def _slowloris(port: int) -> SlowClient:
    head = b"GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    return SlowClient(port, [head, *(b"X-Slow-%d: 1\r\n" % i for i in range(10_000))])


def _slow_body(port: int) -> SlowClient:
    head = (
        b"POST /api/chat HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\n"
        b"content-length: 100000\r\n\r\n"
    )
    return SlowClient(port, [head, *([b"{"] * 10_000)])


def test_slow_clients_do_not_block_others_and_are_closed(gateway: GatewayProcess) -> None:
    slow = [
        *(_slowloris(gateway.port) for _ in range(SLOWLORIS)),
        *(_slow_body(gateway.port) for _ in range(SLOW_BODIES)),
        *(SlowClient(gateway.port, [b""]) for _ in range(SILENT)),
    ]
    for client in slow:
        client.start()
    time.sleep(0.5)
    served = []
    with httpx.Client(base_url=gateway.url, timeout=5) as http:
        while time.monotonic() - slow[0].opened_at < TIMEOUT_S:  # while the slow ones hold on
            started = time.monotonic()
            response = http.post("/api/chat", json={"sender_id": "prompt-1", "text": "你好"})
            served.append((response.status_code, time.monotonic() - started))
            time.sleep(0.1)
    for client in slow:
        client.thread.join(timeout=8 * TIMEOUT_S)

    assert len(served) >= 5 and all(code == 200 for code, _ in served), served
    assert max(elapsed for _, elapsed in served) < 1.5, served
    closed = [c.closed_after for c in slow]
    assert all(t is not None for t in closed), f"never closed by the server: {closed}"
    assert all(TIMEOUT_S * 0.8 <= t <= TIMEOUT_S + 2.0 for t in closed if t is not None), closed
    assert all(c.received.startswith(b"HTTP/1.1 408") for c in slow), {
        c.received[:40] for c in slow
    }


def test_a_normal_request_within_the_deadline_is_untouched(gateway: GatewayProcess) -> None:
    with socket.create_connection(("127.0.0.1", gateway.port)) as sock:
        sock.settimeout(5)
        for part in (b"GET /livez HTTP/1.1\r\n", b"Host: 127.0.0.1\r\n", b"\r\n"):
            sock.sendall(part)
            time.sleep(TIMEOUT_S / 4)  # slow, but the whole request arrives in time
        assert sock.recv(4096).startswith(b"HTTP/1.1 200")
        time.sleep(TIMEOUT_S * 0.75)  # idle keep-alive: closed by timeout_keep_alive (1 s)
        assert sock.recv(4096) == b""


def test_limits_are_documented_settings() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert "`REQUEST_READ_TIMEOUT_S`" in readme and "`KEEP_ALIVE_TIMEOUT_S`" in readme


def test_websockets_outlive_the_request_deadline(gateway: GatewayProcess) -> None:
    from websockets.sync.client import connect

    url = gateway.url.replace("http://", "ws://") + "/ws/chat?sender_id=slow-ws"
    with connect(url, open_timeout=5) as ws:
        time.sleep(TIMEOUT_S * 1.5)  # an open chat is not a slow request
        ws.send('{"text": "你好"}')
        kinds = [json.loads(ws.recv(timeout=10))["type"] for _ in range(2)]
    assert kinds == ["typing", "messages"]
