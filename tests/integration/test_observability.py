"""Probes and request ids across the processes of one message: gateway → Rasa → action server."""

from __future__ import annotations

import json
import time
import uuid

import httpx
import pytest

from tests.integration.conftest import Stack

pytestmark = [pytest.mark.slow, pytest.mark.rasa]
AGENT = {"Authorization": "Bearer agent-dev-token"}


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
    for name in ("gateway.log", "rasa.log", "actions.log"):  # structured: one JSON object a line
        lines = [
            line
            for line in (full_stack.logs / name).read_text(errors="replace").splitlines()
            if request_id in line
        ]
        records = [json.loads(line) for line in lines]  # fails on a plain-text line
        assert all(isinstance(r, dict) and r.get("message") for r in records), name


def test_a_request_id_is_made_when_the_caller_sends_none(full_stack: Stack) -> None:
    response = httpx.get(f"{full_stack.gateway.url}/healthz", timeout=10)
    assert len(response.headers["X-Request-ID"]) >= 8


def _samples(url: str) -> dict[str, float]:
    """Prometheus text → {'name{labels}': value}, summed over nothing (exact series)."""
    from prometheus_client.parser import text_string_to_metric_families

    response = httpx.get(f"{url}/metrics", timeout=10)
    assert response.status_code == 200, url
    out: dict[str, float] = {}
    for family in text_string_to_metric_families(response.text):
        for s in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(s.labels.items()))
            out[f"{s.name}{{{labels}}}"] = s.value
    return out


def _total(samples: dict[str, float], prefix: str, **labels: str) -> float:
    want = [f"{k}={v}" for k, v in labels.items()]
    return sum(
        v for k, v in samples.items() if k.startswith(prefix + "{") and all(w in k for w in want)
    )


def test_metrics_of_every_service_move_with_traffic(full_stack: Stack) -> None:
    s = full_stack.settings
    gateway, rasa, actions = (
        full_stack.gateway.url,
        s.rasa_url,
        f"http://127.0.0.1:{s.actions_port}",
    )
    before = {name: _samples(url) for name, url in (("g", gateway), ("r", rasa), ("a", actions))}
    sender = f"metrics-{uuid.uuid4().hex[:8]}"
    for text in (
        "你好",
        "居住证怎么办理",
        "火星签证怎么办",
        "我要投诉",
        "小区门口路灯坏了一周",
        "东城区幸福小区",
        "不留",
    ):
        reply = httpx.post(
            f"{gateway}/api/chat", json={"sender_id": sender, "text": text}, timeout=60
        )
        assert reply.status_code == 200
    call = httpx.post(f"{gateway}/api/hotline/calls", json={}, headers=AGENT, timeout=10).json()
    httpx.post(
        f"{gateway}/api/hotline/calls/{call['call_id']}/utterances",
        headers=AGENT,
        json={"speaker": "caller", "text": "社保卡丢了怎么补办"},
        timeout=30,
    )
    after = {name: _samples(url) for name, url in (("g", gateway), ("r", rasa), ("a", actions))}

    def grew(proc: str, prefix: str, by: float = 1, **labels: str) -> bool:
        return _total(after[proc], prefix, **labels) - _total(before[proc], prefix, **labels) >= by

    assert grew("r", "govassist_nlu_intents_total", 7)  # one per chat turn
    assert grew("r", "govassist_nlu_intents_total", 1, intent="greet")
    assert grew("r", "govassist_rasa_turn_seconds_count", 7)
    assert grew("a", "govassist_search_total", 1, result="found")
    assert grew("a", "govassist_search_total", 2)
    assert grew("a", "govassist_routing_confidence_count", 1)  # the complaint became a ticket
    assert grew("a", "govassist_actions_total", 1, action="action_answer_question", outcome="ok")
    assert grew("g", "govassist_turn_seconds_count", 7, channel="web")
    assert grew("g", "govassist_intents_total", 1)  # the hotline utterance
    assert grew("g", "govassist_search_total", 1)
    assert "govassist_tickets_open" in "".join(after["g"])
