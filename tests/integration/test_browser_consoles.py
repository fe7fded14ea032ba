"""The agent console's 回访 and 没帮助 panels and the dispatcher's 督办, in real headless Chromium.

A real gateway process (Redis db 15, SQLite, Rasa and search off). Callback tasks come from the
real path: a hotline agent files the caller's ticket, the department accepts and answers it over
its API. Server text carrying HTML must be shown literally and never run.
Screenshots: test-artifacts/browser/agent_callbacks.png, agent_unhelpful.png,
dispatcher_escalate.png, dispatcher_escalate_refused.png.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, select

from feedback.db import AuditRow
from knowledge.loader import load_knowledge_base
from tests.conftest import BROWSER_ARTIFACTS, KB_DIR, REDIS_BASE_URL, headless_chromium
from tests.integration.servers import GatewayProcess, console_gateway

ARTIFACTS = BROWSER_ARTIFACTS
REDIS_URL = f"{REDIS_BASE_URL}/15"
IMG = "<img src=x onerror=window.__pwned=1>"
PHONE = "13812345678"
AGENT = {"Authorization": "Bearer agent-dev-token"}
DISPATCH = {"Authorization": "Bearer dispatch-dev-token"}
CG, CG_CODE = "市城市管理局", "city_management"
pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GatewayProcess]:
    data = tmp_path_factory.mktemp("consoles")
    with console_gateway(REDIS_URL, data, RATE_LIMIT_PER_MINUTE="1000") as server:
        yield server


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with headless_chromium() as chromium:
        yield chromium


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # the reveal's audit confirmation
    yield page
    context.close()


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def _department(base: str, code: str, ticket_id: str, action: str, body: Any = None) -> None:
    url = f"{base}/api/department/tickets/{ticket_id}/{action}"
    headers = {"Authorization": f"Bearer {code}-dev-token"}
    _ok(httpx.post(url, json=body, headers=headers, timeout=10))


def _hotline_callback(base: str, summary: str) -> str:
    """A caller's ticket filed from the hotline console's draft, answered by the department."""
    call = _ok(httpx.post(f"{base}/api/hotline/calls", json={}, headers=AGENT, timeout=10), 201)
    draft = {"kind": "complaint", "department": CG_CODE, "summary": summary, "contact": PHONE}
    url = f"{base}/api/hotline/calls/{call['call_id']}/ticket"
    ticket = _ok(httpx.post(url, json=draft, headers=AGENT, timeout=30), 201)
    assert ticket["department"] == CG
    _department(base, CG_CODE, ticket["ticket_id"], "accept")
    _department(
        base, CG_CODE, ticket["ticket_id"], "reply", {"text": f"已安排维修{IMG}，三日内修复"}
    )
    return str(ticket["ticket_id"])


def _not_executed(page: Any) -> None:
    time.sleep(0.3)  # give an injected onerror handler the chance to run
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("main img, #m-body img").count() == 0


def _unnamed_controls(page: Any, scope: str) -> list[str]:
    return list(
        page.evaluate(
            "(scope) => [...document.querySelectorAll(scope + ' button, ' + scope + ' select, '"
            " + scope + ' input, ' + scope + ' textarea')]"
            ".filter(e => !(e.getAttribute('aria-label') || e.labels?.length"
            " || e.textContent.trim()))"
            ".map(e => e.outerHTML)",
            scope,
        )
    )


def _audit(gateway: GatewayProcess, ticket_id: str) -> list[tuple[str, str, str]]:
    engine = create_engine(gateway.env["DATABASE_URL"])
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(AuditRow.actor, AuditRow.action, AuditRow.note)
                .where(AuditRow.ticket_id == ticket_id)
                .order_by(AuditRow.id)
            ).all()
    finally:
        engine.dispose()
    return [(r.actor, r.action, r.note) for r in rows]


def test_agent_relays_an_answer_by_phone_and_records_the_rating(
    page: Any, gateway: GatewayProcess
) -> None:
    base = gateway.url
    reached = _hotline_callback(base, f"东城区幸福小区门口的路灯坏了{IMG}一个星期")
    missed = _hotline_callback(base, "和平街公交站旁的井盖松动了")
    page.goto(base + "/console/agent")
    page.get_by_label("坐席令牌").fill("agent-dev-token")
    page.get_by_role("tab", name="回访任务").click()
    row = page.locator(f"#callbacks tr[data-id='{reached}']")
    row.wait_for(timeout=10_000)
    cells = row.locator("td").all_inner_texts()
    assert cells[:2] == [reached, CG]
    assert cells[2] == f"东城区幸福小区门口的路灯坏了{IMG}一个星期"  # literal, not markup
    assert cells[3] == f"已安排维修{IMG}，三日内修复"
    assert cells[4:6] == ["138****5678", "0"]
    assert PHONE not in page.locator("#callbacks").inner_text()
    _not_executed(page)
    assert _unnamed_controls(page, "#view-callbacks") == []

    page.get_by_role("button", name=f"查看工单{reached}的完整号码").click()
    row.locator("td.contact", has_text=PHONE).wait_for(timeout=10_000)
    page.get_by_label(f"工单{reached}回访满意度").select_option("基本满意")
    page.get_by_role("button", name=f"工单{reached}已联系市民").click()
    page.get_by_text(f"已记录回访：工单{reached}，市民评价“基本满意”。").wait_for(timeout=10_000)
    row.wait_for(state="detached", timeout=10_000)  # the list was reloaded without it

    page.get_by_role("button", name=f"工单{missed}未接通").click()
    page.get_by_text(f"已记录未接通：工单{missed}（累计1次）").wait_for(timeout=10_000)
    other = page.locator(f"#callbacks tr[data-id='{missed}']")
    assert other.locator("td").nth(5).inner_text() == "1"  # still listed, one try counted
    assert page.locator("#cbcount").inner_text() == "1"
    page.screenshot(path=str(ARTIFACTS / "agent_callbacks.png"), full_page=True)

    ticket = _ok(httpx.get(f"{base}/api/tickets/{reached}", timeout=10))
    assert ticket["rating"] == "基本满意" and ticket["status"] == "办结"
    open_tasks = _ok(httpx.get(f"{base}/api/agent/callbacks", headers=AGENT, timeout=10))
    assert [(t["ticket_id"], t["attempts"]) for t in open_tasks] == [(missed, 1)]
    actions = [(actor, action) for actor, action, _ in _audit(gateway, reached)]
    assert ("agent", "reveal_contact") in actions and ("agent", "callback") in actions
    assert [a for a in actions if a[1] == "rate"] == [("agent", "rate")]


def test_agent_sees_answers_marked_unhelpful_as_text(page: Any, gateway: GatewayProcess) -> None:
    base = gateway.url
    verdict = {
        "sender_id": "console-unhelpful",
        "answer": f"居住证请到派出所办理{IMG}",
        "question": f"居住证在哪里办{IMG}",
        "helpful": False,
    }
    _ok(httpx.post(f"{base}/api/chat/feedback", json=verdict, timeout=10), 204)
    page.goto(base + "/console/agent")
    page.get_by_label("坐席令牌").fill("agent-dev-token")
    page.get_by_role("tab", name="没帮助反馈").click()
    row = page.locator("#unhelpful tr", has_text="居住证在哪里办")
    row.wait_for(timeout=10_000)
    cells = row.locator("td").all_inner_texts()
    assert cells[1:] == [f"居住证在哪里办{IMG}", f"居住证请到派出所办理{IMG}", "—"]
    assert time.strftime("%Y") in cells[0]  # the time it was marked, in local format
    _not_executed(page)
    page.screenshot(path=str(ARTIFACTS / "agent_unhelpful.png"), full_page=True)


def _ticket_at_a_department(base: str, text: str) -> tuple[str, str]:
    body = {"text": text, "channel": "web", "sender_id": "console-escalate", "contact": PHONE}
    ticket_id = str(
        _ok(httpx.post(base + "/api/feedback", json=body, timeout=30), 201)["ticket_id"]
    )
    name = _ok(httpx.get(f"{base}/api/tickets/{ticket_id}", timeout=10))["department"]
    if name is None:
        url = f"{base}/api/dispatch/tickets/{ticket_id}/dispatch"
        _ok(httpx.post(url, json={"department": CG_CODE}, headers=DISPATCH, timeout=10))
        name = CG
    department = load_knowledge_base(KB_DIR).department(name)
    assert department is not None, name
    return ticket_id, department.code


def test_dispatcher_escalates_in_the_console(page: Any, gateway: GatewayProcess) -> None:
    base = gateway.url
    pressed, code = _ticket_at_a_department(base, f"小区消防通道被占用{IMG}，请尽快处理")
    _department(base, code, pressed, "accept")
    _department(
        base, code, pressed, "extension", {"reason": "需要现场勘查", "days": 3}
    )  # in the queue
    answered, other = _ticket_at_a_department(base, "楼下饭店油烟太大，影响居民休息")
    _department(base, other, answered, "accept")
    _department(base, other, answered, "reply", {"text": "已责令商户加装油烟净化设备"})
    before = _ok(
        httpx.get(
            f"{base}/api/department/tickets/{pressed}",
            headers={"Authorization": f"Bearer {code}-dev-token"},
            timeout=10,
        )
    )
    assert before["escalated"] is False

    page.goto(base + "/console/department")
    page.fill("#token", "dispatch-dev-token")
    page.click("text=进入")
    # the ticket is listed twice (the extension request in the queue, and 在办工单): use the queue's
    page.locator("#manual-queue").get_by_role("button", name=f"督办工单{pressed}").click(
        timeout=10_000
    )
    assert page.locator("#escalate-dialog").is_visible()
    page.get_by_label("督办理由").fill("市民多次来电催办")
    page.get_by_role("button", name="确认督办").click()
    page.get_by_text(f"已督办工单{pressed}").wait_for(timeout=10_000)
    assert page.locator("#m-flags").inner_text() == "已督办"
    assert page.locator("#m-text").inner_text() == f"小区消防通道被占用{IMG}，请尽快处理"
    _not_executed(page)
    assert _unnamed_controls(page, "#dispatch-app") == []
    page.screenshot(path=str(ARTIFACTS / "dispatcher_escalate.png"), full_page=True)

    after = _ok(
        httpx.get(
            f"{base}/api/department/tickets/{pressed}",
            headers={"Authorization": f"Bearer {code}-dev-token"},
            timeout=10,
        )
    )
    assert after["escalated"] is True and after["status"] == "延期申请中"
    assert len(after["history"]) == len(before["history"]) + 1  # the 督办 entry, status unchanged
    escalations = [a for a in _audit(gateway, pressed) if a[1] == "escalate"]
    assert escalations == [("dispatcher", "escalate", "督办：市民多次来电催办")]

    # an answered ticket, by number: the console shows why the server refused (409)
    page.get_by_label("工单号").fill(answered)
    page.locator("#escalate-form").get_by_role("button", name="督办").click()
    page.get_by_label("督办理由").fill("市民来电催办")
    page.get_by_role("button", name="确认督办").click()
    message = page.locator("#m-message", has_text=f"无法督办工单{answered}")
    message.wait_for(timeout=10_000)
    assert "当前状态为“已答复”" in message.inner_text()
    page.screenshot(path=str(ARTIFACTS / "dispatcher_escalate_refused.png"), full_page=True)
    refused = [a for a in _audit(gateway, answered) if a[1] == "escalate"]
    assert refused == []
