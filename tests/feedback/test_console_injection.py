"""HTML/script injection in every text field the consoles show, in real headless Chromium.

Department and dispatcher consoles: ticket text, location, contact, department reply, history and
hot-topic example (return reasons are stored, not displayed; the test returns with one anyway).
Agent console: hand-off reason, citizen messages, agent replies and hotline utterances.
Every payload must be shown literally and never run: `window.__pwned` stays undefined.
A real gateway process (Redis db 12, SQLite, Rasa and search off).
Screenshots: test-artifacts/browser/*_injection.png (department, dispatcher, agent queue and call).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import redis

from knowledge.loader import load_knowledge_base
from tests.conftest import BROWSER_ARTIFACTS, KB_DIR, REDIS_BASE_URL, headless_chromium
from tests.integration.servers import GatewayProcess, console_gateway

ARTIFACTS = BROWSER_ARTIFACTS
REDIS_URL = f"{REDIS_BASE_URL}/12"
IMG = "<img src=x onerror=window.__pwned=1>"
SCRIPT = "<script>window.__pwned=1</script>"
SVG = "<svg onload=window.__pwned=1>"
AGENT = {"Authorization": "Bearer agent-dev-token"}
DISPATCH = {"Authorization": "Bearer dispatch-dev-token"}
pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GatewayProcess]:
    data = tmp_path_factory.mktemp("injection")
    with console_gateway(REDIS_URL, data, RATE_LIMIT_PER_MINUTE="1000") as server:
        yield server


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with headless_chromium() as chromium:
        yield chromium


def _page(browser: Any) -> Any:
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def _not_executed(page: Any) -> None:
    time.sleep(0.3)  # give an injected onerror/onload handler the chance to run
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("main img, #detail-body img, #m-body img, svg[onload]").count() == 0
    assert page.locator("body script").count() == 1  # the console's own script only


def _code(name: str) -> str:
    department = load_knowledge_base(KB_DIR).department(name)
    assert department is not None, name
    return department.code


def _submit(base: str, text: str) -> str:
    body = {
        "text": text,
        "channel": "web",
        "sender_id": "injection",
        "contact": IMG,
        "location": f"东城区{SCRIPT}和平街道",
    }
    response = httpx.post(base + "/api/feedback", json=body, timeout=30)
    assert response.status_code == 201, response.text
    return str(response.json()["ticket_id"])


def _holder(base: str, ticket_id: str) -> str | None:
    return httpx.get(f"{base}/api/tickets/{ticket_id}", timeout=10).json()["department"]  # type: ignore[no-any-return]


def _at_department(base: str, ticket_id: str) -> str:
    department = _holder(base, ticket_id)
    if department is None:
        url = f"{base}/api/dispatch/tickets/{ticket_id}/dispatch"
        httpx.post(url, json={"department": "city_management"}, headers=DISPATCH, timeout=10)
        department = _holder(base, ticket_id)
    assert department is not None
    return _code(department)


def test_department_console_shows_payloads_literally(browser: Any, gateway: GatewayProcess) -> None:
    base = gateway.url
    text = f"小区消防通道被占用{IMG}{SCRIPT}，请尽快处理{SVG}"
    ticket_id = _submit(base, text)
    code = _at_department(base, ticket_id)
    assert _at_department(base, _submit(base, text)) == code  # the same report twice: a hot topic
    auth = {"Authorization": f"Bearer {code}-dev-token"}
    for action, body in [("accept", None), ("reply", {"text": f"已处理{SCRIPT}{IMG}"})]:
        url = f"{base}/api/department/tickets/{ticket_id}/{action}"
        httpx.post(url, json=body, headers=auth, timeout=10).raise_for_status()

    page = _page(browser)
    page.goto(base + "/console/department")
    page.fill("#token", f"{code}-dev-token")
    page.click("text=进入")
    page.locator(f"#queue tr[data-id='{ticket_id}']").click(timeout=10_000)
    page.locator("#d-id", has_text=ticket_id).wait_for(timeout=10_000)
    assert (
        IMG in page.locator("#d-text").inner_text() and SVG in page.locator("#d-text").inner_text()
    )
    assert SCRIPT in page.locator("#d-location").inner_text()
    assert f"已处理{SCRIPT}{IMG}" in page.locator("#d-reply").inner_text()
    assert f"已处理{SCRIPT}{IMG}" in page.locator("#d-history").inner_text()
    page.locator("#topics", has_text=IMG).wait_for(timeout=10_000)
    page.click("#reveal")
    page.locator("#d-contact", has_text=IMG).wait_for(timeout=10_000)
    _not_executed(page)
    page.screenshot(path=str(ARTIFACTS / "department_console_injection.png"), full_page=True)
    page.context.close()


def test_dispatcher_console_shows_returned_ticket_literally(
    browser: Any, gateway: GatewayProcess
) -> None:
    base = gateway.url
    ticket_id = _submit(base, f"路边有人乱倒建筑垃圾{IMG}{SCRIPT}")
    for _ in range(4):  # every department returns it, with a hostile reason, until it is manual
        department = _holder(base, ticket_id)
        if department is None:
            break
        url = f"{base}/api/department/tickets/{ticket_id}/return"
        headers = {"Authorization": f"Bearer {_code(department)}-dev-token"}
        response = httpx.post(url, json={"reason": f"非本部门{IMG}"}, headers=headers, timeout=10)
        assert response.status_code == 200, response.text
    assert _holder(base, ticket_id) is None

    page = _page(browser)
    page.goto(base + "/console/department")
    page.fill("#token", "dispatch-dev-token")
    page.click("text=进入")
    page.locator(f"#manual-queue tr[data-id='{ticket_id}']").click(timeout=10_000)
    page.locator("#m-id", has_text=ticket_id).wait_for(timeout=10_000)
    assert IMG in page.locator("#m-text").inner_text()
    assert SCRIPT in page.locator("#m-text").inner_text()
    assert SCRIPT in page.locator("#m-location").inner_text()
    _not_executed(page)
    page.screenshot(path=str(ARTIFACTS / "dispatcher_console_injection.png"), full_page=True)
    page.context.close()


def _hand_off(base: str, sender: str) -> None:
    """A conversation handed to a human (as the bot's hand-off action records it) with messages."""
    client = redis.Redis.from_url(REDIS_URL)
    record = {"channel": "web", "reason": f"市民要求人工{IMG}", "since": time.time()}
    client.set(f"govassist:handoff:web:{sender}", json.dumps(record, ensure_ascii=False))
    client.rpush("govassist:handoff:queue", f"web:{sender}")
    for text in (f"我要投诉{IMG}", f"{SCRIPT}还有{SVG}"):
        response = httpx.post(
            base + "/api/chat", json={"sender_id": sender, "text": text}, timeout=30
        )
        assert response.status_code == 200, response.text


def test_agent_console_shows_payloads_literally(browser: Any, gateway: GatewayProcess) -> None:
    base = gateway.url
    _hand_off(base, "inj-citizen")
    page = _page(browser)
    page.goto(base + "/console/agent")
    page.fill("#token", "agent-dev-token")
    # hotline: a caller utterance carrying payloads goes through the transcript and the assist panel
    page.click("#newcall")
    page.wait_for_function("document.getElementById('callid').textContent !== '未开始'")
    page.fill("#utter", f"我家楼下{IMG}一直漏水{SCRIPT}，电话13812345678")
    page.click("#sendCaller")
    page.locator("#transcript", has_text=IMG).wait_for(timeout=15_000)
    assert SCRIPT in page.locator("#transcript").inner_text()
    time.sleep(1.0)  # several polls later the utterance is still shown once
    assert page.locator("#transcript div").count() == 1
    _not_executed(page)
    page.screenshot(path=str(ARTIFACTS / "agent_console_call_injection.png"), full_page=True)
    # the hand-off queue: reason, citizen messages and the agent's own reply
    page.click("#tab-queue")
    button = page.locator("#queue button", has_text="inj-citizen")
    button.wait_for(timeout=10_000)
    assert f"市民要求人工{IMG}" in button.inner_text()
    button.click()
    page.locator("#convlog", has_text=f"我要投诉{IMG}").wait_for(timeout=10_000)
    page.fill("#reply", f"坐席回复{SVG}")
    page.click("#sendReply")
    page.locator("#convlog", has_text=f"坐席回复{SVG}").wait_for(timeout=10_000)
    log = page.locator("#convlog").inner_text()
    assert f"{SCRIPT}还有{SVG}" in log
    _not_executed(page)
    page.screenshot(path=str(ARTIFACTS / "agent_console_injection.png"), full_page=True)
    page.context.close()
