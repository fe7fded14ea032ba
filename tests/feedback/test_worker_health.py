"""Ticket worker probes: /healthz while the loop turns, /readyz only when Redis and DB answer."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import httpx
import pytest

from feedback.worker_health import WorkerHealth, serve_probes


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def probes() -> Iterator[tuple[WorkerHealth, str]]:
    health = WorkerHealth(stall_after_s=0.5)
    port = _free_port()
    server = serve_probes(health, "127.0.0.1", port)
    yield health, f"http://127.0.0.1:{port}"
    server.shutdown()


def test_not_ready_until_a_step_succeeds_then_ready(probes: tuple[WorkerHealth, str]) -> None:
    health, url = probes
    assert httpx.get(f"{url}/healthz").status_code == 200
    assert httpx.get(f"{url}/readyz").status_code == 503
    health.step_ok()
    assert httpx.get(f"{url}/readyz").json() == {"status": "ok"}


def test_a_failed_step_makes_it_unready_with_the_reason(probes: tuple[WorkerHealth, str]) -> None:
    health, url = probes
    health.step_failed("ConnectionError")
    response = httpx.get(f"{url}/readyz")
    assert response.status_code == 503 and response.json()["reason"] == "ConnectionError"
    assert httpx.get(f"{url}/healthz").status_code == 200


def test_a_stalled_loop_fails_both_probes(probes: tuple[WorkerHealth, str]) -> None:
    health, url = probes
    health.step_ok()
    health.last_turn -= 10  # as if the loop had not turned for 10 s
    assert httpx.get(f"{url}/healthz").status_code == 503
    assert httpx.get(f"{url}/readyz").json()["reason"] == "stalled"


def test_unknown_path_is_404(probes: tuple[WorkerHealth, str]) -> None:
    assert httpx.get(f"{probes[1]}/metrics").status_code == 404
