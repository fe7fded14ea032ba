"""The department console in a real headless Chromium against a real gateway (uvicorn).

Logs in with a department token, opens a ticket, accepts it, reveals the contact, and checks the
三率 chart and that citizen text is rendered as text (no HTML injection). The dispatcher approves an
extension, and finds, filters and 督办s tickets in 在办工单 (tickets already with departments).
Screenshots: test-artifacts/browser/department_console.png, dispatcher_*.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import update

from feedback.db import TicketRow, make_engine
from knowledge.loader import load_knowledge_base
from tests.conftest import BROWSER_ARTIFACTS, KB_DIR, REDIS_BASE_URL, headless_chromium
from tests.integration.servers import GatewayProcess, console_gateway

ARTIFACTS = BROWSER_ARTIFACTS
INJECTION = "<img src=x onerror=\"document.title='pwned'\">"
DISPATCH = {"Authorization": "Bearer dispatch-dev-token"}
CITY = ZoneInfo("Asia/Shanghai")
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


# --- 在办工单: the dispatcher's view of tickets already with departments ----------------------
def _name(code: str) -> str:
    department = load_knowledge_base(KB_DIR).department(code)
    assert department is not None, code
    return department.name


def _open311_ticket(base: str, code: str) -> str:
    """A ticket filed straight to department `code` (Open311 service code)."""
    form = {
        "service_code": code,
        "description": "学校门口下午放学时段交通拥堵，希望增加疏导",
        "address_string": "示例市西城区学府路8号",
    }
    response = httpx.post(base + "/open311/v2/requests.json", data=form, timeout=30)
    assert response.status_code == 201, response.text
    ticket_id = str(response.json()[0]["service_request_id"])
    assert httpx.get(f"{base}/api/tickets/{ticket_id}", timeout=10).json()["department"] == _name(
        code
    )
    return ticket_id


def _make_overdue(gateway: GatewayProcess, ticket_id: str) -> None:
    """Move the deadline into the past in the gateway's database (time passing, without waiting)."""
    engine = make_engine(gateway.env["DATABASE_URL"])
    try:
        with engine.begin() as conn:
            conn.execute(
                update(TicketRow)
                .where(TicketRow.ticket_id == ticket_id)
                .values(due_at=datetime.now(UTC) - timedelta(hours=3))
            )
    finally:
        engine.dispose()


def _listed(base: str, **params: str) -> dict[str, dict[str, Any]]:
    response = httpx.get(
        base + "/api/dispatch/tickets", params=params, headers=DISPATCH, timeout=10
    )
    response.raise_for_status()
    return {t["ticket_id"]: t for t in response.json()}


def _shown_due(due_at: str) -> str:
    """办理时限 as the console prints it (zh-CN locale, 示例市 time)."""
    d = datetime.fromisoformat(due_at).astimezone(CITY)
    return f"{d.year}/{d.month}/{d.day} {d:%H:%M:%S}"


def _dispatcher_page(browser: Any, base: str) -> Any:
    context = browser.new_context(
        viewport={"width": 1280, "height": 1000}, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    page = context.new_page()
    page.goto(base + "/console/department")
    page.fill("#token", "dispatch-dev-token")
    page.click("text=进入")
    page.locator("#dispatch-app").wait_for(timeout=10_000)
    return page


def _ids(page: Any) -> list[str]:
    return page.locator("#active-tickets tr").evaluate_all("rows => rows.map((r) => r.dataset.id)")


def test_dispatcher_finds_and_filters_tickets_with_departments(
    browser: Any, gateway: GatewayProcess
) -> None:
    base = gateway.url
    first, code = _ticket_at_department(base)
    other = "education" if code != "education" else "tax"
    late = _open311_ticket(base, other)
    _make_overdue(gateway, late)
    name, other_name = _name(code), _name(other)
    listed = _listed(base)
    assert listed[first]["deadline"] == "正常" and listed[late]["deadline"] == "已超期"

    page = _dispatcher_page(browser, base)
    row = page.locator(f"#active-tickets tr[data-id='{first}']")
    row.wait_for(timeout=10_000)
    cells = row.locator("td").all_inner_texts()
    assert cells[0] == first and cells[1] == name
    assert cells[3] == listed[first]["status"]
    assert cells[4].strip() == _shown_due(listed[first]["due_at"])  # no badge: 正常
    late_row = page.locator(f"#active-tickets tr[data-id='{late}']")
    assert late_row.locator("td").nth(1).inner_text() == other_name
    assert late_row.locator("td").nth(4).locator(".badge.overdue").inner_text() == "已超期"
    assert _shown_due(listed[late]["due_at"]) in late_row.locator("td").nth(4).inner_text()
    assert "overdue" in (late_row.get_attribute("class") or "")
    assert _ids(page).index(late) < _ids(page).index(first), "earliest deadline first"
    # the department filter offers the catalogue and narrows the list to one department
    assert page.locator("#active-department option").count() >= 20  # 全部部门 + 19 departments
    page.select_option("#active-department", label=name)
    late_row.wait_for(state="detached", timeout=10_000)
    assert first in _ids(page)
    shown = page.locator("#active-tickets tr td:nth-child(2)").all_inner_texts()
    assert set(shown) == {name}
    assert set(_ids(page)) == set(_listed(base, department=name))
    # deadline state: nothing of that department is overdue; all departments' overdue: the late one
    page.select_option("#active-deadline", "已超期")
    page.get_by_text("暂无在办工单").wait_for(timeout=10_000)
    assert _ids(page) == []
    page.select_option("#active-department", "")
    late_row.wait_for(timeout=10_000)
    assert first not in _ids(page)
    badges = page.locator("#active-tickets tr td:nth-child(5) .badge").all_inner_texts()
    assert badges and set(badges) == {"已超期"}
    assert page.locator("#active-empty").is_hidden()
    page.select_option("#active-deadline", "")
    row.wait_for(timeout=10_000)
    # ticket text is shown (as text) when a row is opened
    row.click()
    page.locator("#m-id", has_text=first).wait_for(timeout=10_000)
    assert INJECTION in page.locator("#m-text").inner_text()
    assert name in page.locator("#m-meta").inner_text()
    page.wait_for_timeout(300)  # an injected onerror handler would have run by now
    assert page.title() != "pwned" and page.locator("#m-body img, main img").count() == 0
    page.screenshot(path=str(ARTIFACTS / "dispatcher_in_progress.png"), full_page=True)
    # a failing API call is said, not shown as an empty list
    page.route(
        "**/api/dispatch/tickets*",
        lambda route: route.fulfill(
            status=503, json={"detail": "工单系统暂时不可用，请稍后再试或拨打12345"}
        ),
    )
    page.click("#active-refresh")
    error = page.locator("#active-error")
    error.wait_for(timeout=10_000)
    assert "无法加载在办工单" in error.inner_text() and "暂时不可用" in error.inner_text()
    assert _ids(page) == [] and page.locator("#active-empty").is_hidden()
    page.unroute("**/api/dispatch/tickets*")
    page.click("#active-refresh")
    row.wait_for(timeout=10_000)
    assert error.is_hidden()
    page.context.close()


def test_dispatcher_escalates_a_ticket_from_the_in_progress_list(
    browser: Any, gateway: GatewayProcess
) -> None:
    base = gateway.url
    ticket_id, code = _ticket_at_department(base)
    name = _name(code)
    assert _listed(base, department=name)[ticket_id]["escalated"] is False
    page = _dispatcher_page(browser, base)
    row = page.locator(f"#active-tickets tr[data-id='{ticket_id}']")
    row.wait_for(timeout=10_000)
    assert row.locator(".badge.escalated").count() == 0
    row.get_by_role("button", name="督办工单" + ticket_id).click()
    dialog = page.locator("#escalate-dialog")
    dialog.wait_for(timeout=5_000)
    assert page.locator("#escalate-ticket").inner_text() == ticket_id
    page.click("#escalate-confirm")  # no reason: the dialog stays open, nothing is sent
    page.wait_for_timeout(300)
    assert dialog.is_visible()
    assert _listed(base, department=name)[ticket_id]["escalated"] is False
    reason = "市民多次来电催办，请尽快答复"
    page.fill("#escalate-reason", reason)
    page.click("#escalate-confirm")
    page.locator("#m-message", has_text="已督办工单" + ticket_id).wait_for(timeout=10_000)
    assert dialog.is_hidden()
    row.locator(".badge.escalated", has_text="督办").wait_for(timeout=10_000)
    assert row.get_by_role("button").inner_text() == "再次督办"
    assert page.locator("#m-id").inner_text() == ticket_id
    assert INJECTION in page.locator("#m-text").inner_text()
    assert page.title() != "pwned" and page.locator("#m-body img").count() == 0
    page.screenshot(path=str(ARTIFACTS / "dispatcher_escalated.png"), full_page=True)
    page.context.close()
    escalated = _listed(base, department=name)[ticket_id]
    assert escalated["escalated"] is True and reason in (escalated["escalation_reason"] or "")
    seen = httpx.get(
        f"{base}/api/department/tickets/{ticket_id}",
        headers={"Authorization": f"Bearer {code}-dev-token"},
        timeout=10,
    ).json()
    assert seen["escalated"] is True
