"""Faults: kill -9 one part of a running deployment while citizens keep chatting and filing tickets.

For Redis (an own redis-server with AOF), the Rasa server, the action server and PostgreSQL (an
own cluster, initdb'd for the session; the machine's shared server is never touched) the process
group is SIGKILLed and restarted. Where the PostgreSQL server binaries are missing the database
outage is made on an own database of the shared server instead: `ALTER DATABASE …
ALLOW_CONNECTIONS false` plus `pg_terminate_backend` of its sessions, then undone.

During every outage background loops send `POST /api/chat` and `POST /api/feedback`, and fill
居住证 application forms to the end; each reply must be a 200 with a polite Chinese message (chat)
or a 201 / clear 503 (feedback). After the restart the service must answer real questions again
within RECOVERY_S; every ticket acknowledged with 201 must be readable via
`GET /api/tickets/{id}` and every application acknowledged with its reference number must have
its document (counted).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import psycopg
import pytest

from tests.conftest import POSTGRES_URL
from tests.system.conftest import FaultStack
from tests.system.stack import text_of, wait_postgres, wait_redis

pytestmark = [pytest.mark.slow, pytest.mark.rasa, pytest.mark.postgres]

OUTAGE_S = 8.0
RECOVERY_S = 240.0
QUESTIONS = ["居住证怎么办理", "社保卡丢了怎么办", "你好", "公积金怎么提取"]
CHINESE = re.compile(r"[\u4e00-\u9fff]")


FORM = [
    "我要申请居住证",
    "王小明",
    "110101199003071233",
    "13812345678",
    "示例市东城区和平街道幸福小区3栋201室",
    "2",
    "2025-03-01",
    "跳过",
    "确认",
]
HANDED_OFF = "已为您转接人工客服"  # bot/actions/texts.yml: handoff, handoff_after_failures
DOCUMENT = re.compile(r"https?://\S+?(/applications/[\w-]{16,}\.html)")


@dataclass
class Traffic:
    """What the background loops sent and got back."""

    chat: list[tuple[int, str]] = field(default_factory=list)  # (status, text or body)
    feedback: list[tuple[int, str]] = field(default_factory=list)
    tickets: list[str] = field(default_factory=list)
    applications: list[str] = field(default_factory=list)  # document paths acknowledged
    forms: int = 0
    errors: list[str] = field(default_factory=list)


def _forms(base: str, traffic: Traffic, stop: threading.Event, tag: str) -> None:
    """Whole application forms, one after another; an interrupted one is simply abandoned."""
    n = 0
    with httpx.Client(base_url=base, timeout=60) as client:
        while not stop.is_set():
            n += 1
            traffic.forms += 1
            for text in FORM:
                try:
                    body = {"sender_id": f"{tag}-form-{n}", "text": text}
                    r = client.post("/api/chat", json=body)
                except httpx.HTTPError as exc:
                    traffic.chat.append((0, repr(exc)))
                    break
                reply = text_of(r.json()) if r.status_code == 200 else r.text
                traffic.chat.append((r.status_code, reply))
                found = DOCUMENT.search(reply)
                if found and "申请编号" in reply:
                    traffic.applications.append(found.group(1))
                if stop.is_set() or HANDED_OFF in reply:
                    # a form start lost to the fault turns the answers into questions the KB
                    # cannot answer; after repeated misses the bot hands the conversation to a
                    # human and stays quiet by design: this conversation is the agent's now
                    break


def _loop(base: str, traffic: Traffic, stop: threading.Event, tag: str) -> None:
    i = 0
    with httpx.Client(base_url=base, timeout=60) as client:
        while not stop.is_set():
            i += 1
            try:
                r = client.post(
                    "/api/chat",
                    json={"sender_id": f"{tag}-{i % 4}", "text": QUESTIONS[i % len(QUESTIONS)]},
                )
                traffic.chat.append(
                    (r.status_code, text_of(r.json()) if r.status_code == 200 else r.text)
                )
            except (httpx.HTTPError, json.JSONDecodeError) as exc:
                traffic.chat.append((0, repr(exc)))
            try:
                body = {
                    "text": f"小区门口的路灯坏了一个月了没人修（{tag} {i}）",
                    "channel": "web",
                    "sender_id": f"{tag}-fb",
                }
                r = client.post("/api/feedback", json=body)
                traffic.feedback.append((r.status_code, r.text))
                if r.status_code == 201:
                    traffic.tickets.append(r.json()["ticket_id"])
            except (httpx.HTTPError, json.JSONDecodeError) as exc:
                traffic.feedback.append((0, repr(exc)))
            stop.wait(0.3)


@pytest.fixture()
def traffic_during(
    fault_stack: FaultStack,
) -> Iterator[Callable[[str], tuple[Traffic, threading.Event]]]:
    threads: list[tuple[threading.Thread, threading.Event]] = []

    def start(tag: str) -> tuple[Traffic, threading.Event]:
        traffic, stop = Traffic(), threading.Event()
        for target in (_loop, _forms):
            thread = threading.Thread(
                target=target, args=(fault_stack.url, traffic, stop, tag), daemon=True
            )
            thread.start()
            threads.append((thread, stop))
        return traffic, stop

    yield start
    for thread, stop in threads:
        stop.set()
        thread.join(timeout=90)


def _answers(base: str) -> bool:
    """A real answer from the whole chain (search through the action server, Rasa, Redis)."""
    try:
        r = httpx.post(
            f"{base}/api/chat",
            json={"sender_id": f"probe-{time.monotonic_ns()}", "text": "居住证怎么办理"},
            timeout=60,
        )
        return r.status_code == 200 and "居住证申领" in text_of(r.json())
    except httpx.HTTPError:
        return False


def _files_tickets(base: str) -> bool:
    try:
        r = httpx.post(
            f"{base}/api/feedback",
            json={"text": "路灯坏了没人修", "channel": "web", "sender_id": "probe"},
            timeout=30,
        )
        return r.status_code == 201
    except httpx.HTTPError:
        return False


def _wait_recovered(check: Callable[[], bool], since: float) -> float:
    while time.monotonic() - since < RECOVERY_S:
        if check():
            return time.monotonic() - since
        time.sleep(1)
    raise AssertionError(f"no recovery within {RECOVERY_S}s")


def _assert_polite(traffic: Traffic, name: str) -> dict[str, Any]:
    bad_chat = [(s, t[:200]) for s, t in traffic.chat if s != 200 or not CHINESE.search(t)]
    bad_feedback = [
        (s, t[:200])
        for s, t in traffic.feedback
        if s not in (201, 503) or (s == 503 and not t.strip())
    ]
    summary = {
        "fault": name,
        "chat": len(traffic.chat),
        "chat_statuses": sorted({s for s, _ in traffic.chat}),
        "feedback": len(traffic.feedback),
        "feedback_statuses": sorted({s for s, _ in traffic.feedback}),
        "tickets_acknowledged": len(traffic.tickets),
        "bad_samples": sorted({f"{s} {x[:120]}" for s, x in bad_chat + bad_feedback})[:4],
    }
    print(f"\n[system] {json.dumps(summary, ensure_ascii=False)}")
    assert traffic.chat and traffic.feedback, summary
    assert not bad_chat, f"{name}: impolite chat replies {bad_chat[:5]}"
    assert not bad_feedback, f"{name}: bad feedback replies {bad_feedback[:5]}"
    return summary


def _assert_tickets_kept(base: str, tickets: list[str]) -> None:
    missing = [
        t for t in tickets if httpx.get(f"{base}/api/tickets/{t}", timeout=30).status_code != 200
    ]
    print(f"[system] tickets acknowledged={len(tickets)} readable={len(tickets) - len(missing)}")
    assert not missing, f"acknowledged tickets lost: {missing}"


def _assert_applications_kept(base: str, traffic: Traffic) -> None:
    missing = [
        path
        for path in traffic.applications
        if httpx.get(f"{base}{path}", timeout=30).status_code != 200
    ]
    done = len(traffic.applications)
    print(f"[system] forms started={traffic.forms} applications acknowledged={done} "
          f"documents readable={done - len(missing)}")  # fmt: skip
    assert not missing, f"acknowledged applications lost: {missing}"


def _run_fault(
    stack: FaultStack,
    start_traffic: Callable[[str], tuple[Traffic, threading.Event]],
    name: str,
    kill: Callable[[], None],
    restore: Callable[[], None],
    recovered: Callable[[], bool] | None = None,
) -> None:
    assert _answers(stack.url), "stack not healthy before the fault"
    traffic, stop = start_traffic(name)
    time.sleep(2)
    kill()
    time.sleep(OUTAGE_S)
    restored_at = time.monotonic()
    restore()
    took = _wait_recovered(recovered or (lambda: _answers(stack.url)), restored_at)
    time.sleep(2)
    stop.set()
    time.sleep(1)
    print(f"\n[system] {name}: recovered {took:.1f}s after restart")
    _assert_tickets_kept(stack.url, traffic.tickets)  # first: counted even when replies were rude
    _assert_applications_kept(stack.url, traffic)
    _assert_polite(traffic, name)


def test_redis_killed_and_restarted(fault_stack: FaultStack, traffic_during: Any) -> None:
    def restore() -> None:
        fault_stack.redis.start()
        wait_redis(fault_stack.redis_port)

    _run_fault(fault_stack, traffic_during, "redis", fault_stack.redis.kill9, restore)


def test_rasa_server_killed_and_restarted(fault_stack: FaultStack, traffic_during: Any) -> None:
    _run_fault(
        fault_stack,
        traffic_during,
        "rasa",
        fault_stack.rasa.kill9,
        lambda: fault_stack.rasa.start(wait=False),
    )


def test_action_server_killed_and_restarted(fault_stack: FaultStack, traffic_during: Any) -> None:
    _run_fault(
        fault_stack,
        traffic_during,
        "actions",
        fault_stack.actions.kill9,
        lambda: fault_stack.actions.start(wait=False),
    )


def _admin(sql: str) -> None:
    with psycopg.connect(
        POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://"), autocommit=True
    ) as conn:
        conn.execute(sql)


def test_database_killed_and_restarted(fault_stack: FaultStack, traffic_during: Any) -> None:
    postgres = fault_stack.postgres
    if postgres is not None:  # an own server: kill -9 it, then crash recovery on restart

        def restore() -> None:
            postgres.start(wait=False)
            wait_postgres(fault_stack.postgres_admin_url)

        _run_fault(
            fault_stack,
            traffic_during,
            "database",
            postgres.kill9,
            restore,
            lambda: _files_tickets(fault_stack.url),
        )
        return
    name = fault_stack.database_url.rsplit("/", 1)[1]

    def kill() -> None:
        _admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        _admin(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")

    try:
        _run_fault(
            fault_stack,
            traffic_during,
            "database",
            kill,
            lambda: _admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'),
            lambda: _files_tickets(fault_stack.url),
        )
    finally:
        _admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
