"""Probes and request ids across the processes of one message: gateway → Rasa → action server."""

from __future__ import annotations

import time
import uuid

import httpx
import pytest

from tests.integration.conftest import Stack

pytestmark = [pytest.mark.slow, pytest.mark.rasa]


def test_every_service_answers_healthz_and_readyz(full_stack: Stack) -> None:
    s = full_stack.settings
    for base in (
        full_stack.gateway.url,
        s.rasa_url,
        f"http://127.0.0.1:{s.actions_port}",
    ):
        assert httpx.get(f"{base}/healthz", timeout=10).status_code == 200, base
        deadline = time.monotonic() + 120  # the action server loads its index in the background
        while (ready := httpx.get(f"{base}/readyz", timeout=10)).status_code == 503:
            assert time.monotonic() < deadline, (base, ready.text)
            time.sleep(1)
        assert ready.status_code == 200 and ready.json()["status"] == "ok", (base, ready.text)


def test_request_id_follows_a_message_through_every_log(full_stack: Stack) -> None:
    request_id = f"rid-{uuid.uuid4().hex}"
    response = httpx.post(
        f"{full_stack.gateway.url}/api/chat",
        json={"sender_id": f"obs-{uuid.uuid4().hex[:8]}", "text": "居住证怎么办理"},
        headers={"X-Request-ID": request_id},
        timeout=60,
    )
    assert response.status_code == 200 and response.headers["X-Request-ID"] == request_id
    assert "居住证" in response.text
    deadline = time.monotonic() + 10  # log lines are flushed by other processes
    missing = ["gateway.log", "rasa.log", "actions.log"]
    while missing and time.monotonic() < deadline:
        missing = [
            name
            for name in missing
            if request_id not in (full_stack.logs / name).read_text(errors="replace")
        ]
        time.sleep(0.5)
    assert not missing, f"request id {request_id} absent from {missing}"


def test_a_request_id_is_made_when_the_caller_sends_none(full_stack: Stack) -> None:
    response = httpx.get(f"{full_stack.gateway.url}/healthz", timeout=10)
    assert len(response.headers["X-Request-ID"]) >= 8
