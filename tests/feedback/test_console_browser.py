"""The department console in a real headless Chromium against a real gateway (uvicorn).

Logs in with a department token, opens a ticket, accepts it, reveals the contact, and checks the
三率 chart and that citizen text is rendered as text (no HTML injection).
Screenshot: test-artifacts/browser/department_console.png.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from knowledge.loader import load_knowledge_base
from tests.conftest import BROWSER_ARTIFACTS, KB_DIR, REDIS_BASE_URL, headless_chromium
from tests.integration.servers import GatewayProcess, console_gateway

ARTIFACTS = BROWSER_ARTIFACTS
INJECTION = "<img src=x onerror=\"document.title='pwned'\">"
pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GatewayProcess]:
    data = tmp_path_factory.mktemp("console")
    with console_gateway(f"{REDIS_BASE_URL}/2", data) as server:
        yield server


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with headless_chromium() as chromium:
        yield chromium


def _ticket_at_department(base: str) -> tuple[str, str]:
    body = {
        "text": f"有人在小区消防通道乱停车{INJECTION}，堵了好几天",
        "channel": "web",
        "sender_id": "browser-test",
        "contact": "13812345678",
        "location": "示例市东城区和平街道1号",
    }
    ticket = httpx.post(base + "/api/feedback", json=body, timeout=30).json()
    department = httpx.get(f"{base}/api/tickets/{ticket['ticket_id']}", timeout=10).json()[
        "department"
    ]
    kb = load_knowledge_base(KB_DIR)
    if department is None:
        httpx.post(
            f"{base}/api/dispatch/tickets/{ticket['ticket_id']}/dispatch",
            json={"department": "traffic_police"},
            headers={"Authorization": "Bearer dispatch-dev-token"},
            timeout=10,
        ).raise_for_status()
        department = "traffic_police"
    found = kb.department(department)
    assert found is not None
    return ticket["ticket_id"], found.code


def test_department_console_accepts_a_ticket(browser: object, gateway: GatewayProcess) -> None:
    ticket_id, code = _ticket_at_department(gateway.url)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(gateway.url + "/console/department")
    page.fill("#token", "wrong-token")
    page.click("text=进入")
    page.get_by_text("令牌无效").wait_for(timeout=10_000)
    page.fill("#token", f"{code}-dev-token")
    page.click("text=进入")
    row = page.locator(f"#queue tr[data-id='{ticket_id}']")
    row.wait_for(timeout=10_000)
    row.click()
    page.locator("#d-id", has_text=ticket_id).wait_for(timeout=10_000)
    assert INJECTION in page.locator("#d-text").inner_text()
    assert page.title() != "pwned" and page.locator("#d-text img").count() == 0
    assert page.locator("#d-contact").inner_text() == "138****5678"
    page.click("button[data-action='accept']")
    page.get_by_text("已签收。").wait_for(timeout=10_000)
    page.locator("#d-status", has_text="签收").wait_for(timeout=10_000)  # detail reloads
    assert page.locator("button[data-action='accept']").is_disabled()
    assert page.locator("button[data-action='start']").is_enabled()
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#reveal")
    page.locator("#d-contact", has_text="13812345678").wait_for(timeout=10_000)
    assert page.locator("#chart svg rect").count() == 6
    assert "响应率" in page.locator("#chart").inner_text()
    page.screenshot(path=str(ARTIFACTS / "department_console.png"), full_page=True)
    context.close()
    status = httpx.get(f"{gateway.url}/api/tickets/{ticket_id}", timeout=10).json()["status"]
    assert status == "签收"


def test_dispatcher_approves_an_extension_in_the_console(
    browser: object, gateway: GatewayProcess
) -> None:
    ticket_id, code = _ticket_at_department(gateway.url)
    headers = {"Authorization": f"Bearer {code}-dev-token"}
    for action, body in [("accept", None), ("extension", {"days": 3, "reason": "需要现场勘查"})]:
        url = f"{gateway.url}/api/department/tickets/{ticket_id}/{action}"
        httpx.post(url, json=body, headers=headers, timeout=10).raise_for_status()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(gateway.url + "/console/department")
    page.fill("#token", "dispatch-dev-token")
    page.click("text=进入")
    row = page.locator(f"#manual-queue tr[data-id='{ticket_id}']")
    row.wait_for(timeout=10_000)
    row.click()
    assert page.locator("#m-status").inner_text() == "延期申请中"
    assert page.locator("#m-dispatch").is_hidden()
    assert page.locator("#m-department option").count() >= 19
    page.click("#do-approve")
    page.get_by_text("已批准延期。").wait_for(timeout=10_000)
    page.screenshot(path=str(ARTIFACTS / "dispatcher_console.png"), full_page=True)
    context.close()
    status = httpx.get(f"{gateway.url}/api/tickets/{ticket_id}", timeout=10).json()["status"]
    assert status == "办理中"
