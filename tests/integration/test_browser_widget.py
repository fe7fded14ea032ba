"""The web widget in a real headless Chromium (Debian's chromium, driven by Playwright).

Screenshots go to test-artifacts/browser/.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from tests.conftest import BROWSER_ARTIFACTS, REDIS_BASE_URL, headless_chromium
from tests.integration.servers import GatewayProcess

ARTIFACTS = BROWSER_ARTIFACTS
pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GatewayProcess]:
    redis.Redis.from_url(f"{REDIS_BASE_URL}/6").flushdb()
    data = tmp_path_factory.mktemp("gateway")
    env = {
        "REDIS_URL": f"{REDIS_BASE_URL}/6",
        "RASA_URL": "http://127.0.0.1:9",
        "DATA_DIR": str(data),
        "ENCODER": "off",
    }
    server = GatewayProcess(env, data / "gateway.log")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with headless_chromium() as chromium:
        yield chromium


@pytest.fixture
def page(browser: object, gateway: GatewayProcess) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(gateway.url + "/")
    page.get_by_role("button", name="打开政务服务智能助手").click()
    yield page
    context.close()


def send(page: object, text: str) -> None:
    box = page.get_by_label("输入您的问题")  # type: ignore[attr-defined]
    box.fill(text)
    box.press("Enter")


def test_emergency_answer_and_safe_rendering(page: object) -> None:
    send(page, "<img src=x onerror=\"document.title='pwned'\">楼道里着火了")
    page.get_by_text("请立即拨打 119").wait_for(timeout=10_000)  # type: ignore[attr-defined]
    assert page.title() != "pwned"  # type: ignore[attr-defined]
    assert page.locator(".gva-user img").count() == 0  # type: ignore[attr-defined]
    page.screenshot(path=str(ARTIFACTS / "emergency.png"))  # type: ignore[attr-defined]


def test_ime_enter_during_composition_does_not_send(page: object) -> None:
    box = page.get_by_label("输入您的问题")  # type: ignore[attr-defined]
    box.fill("shebaoka")
    box.dispatch_event("compositionstart")
    box.evaluate(
        "el => el.dispatchEvent(new KeyboardEvent('keydown',"
        " {key: 'Enter', isComposing: true, bubbles: true}))"
    )
    assert page.locator(".gva-user").count() == 0  # type: ignore[attr-defined]
    box.dispatch_event("compositionend")
    page.wait_for_timeout(50)  # type: ignore[attr-defined]
    box.fill("社保卡丢了有人晕倒")
    box.press("Enter")
    page.locator(".gva-user").first.wait_for(timeout=5_000)  # type: ignore[attr-defined]
    assert page.locator(".gva-user").count() == 1  # type: ignore[attr-defined]


def test_elderly_mode_one_tap_and_persisted(page: object) -> None:
    toggle = page.get_by_role("button", name="长辈模式")  # type: ignore[attr-defined]
    toggle.click()
    panel = page.locator("#govassist-chat")  # type: ignore[attr-defined]
    assert "gva-elderly" in (panel.get_attribute("class") or "")
    size = page.locator(".gva-form textarea").evaluate("el => getComputedStyle(el).fontSize")  # type: ignore[attr-defined]
    assert float(size.rstrip("px")) >= 20
    page.screenshot(path=str(ARTIFACTS / "elderly-mode.png"))  # type: ignore[attr-defined]
    page.reload()  # type: ignore[attr-defined]
    assert "gva-elderly" in (page.locator("#govassist-chat").get_attribute("class") or "")  # type: ignore[attr-defined]
    page.get_by_role("button", name="标准模式").click()  # type: ignore[attr-defined]


def test_reload_keeps_history(page: object) -> None:
    send(page, "有人被困在电梯里了")
    page.get_by_text("请立即拨打 119").last.wait_for(timeout=10_000)  # type: ignore[attr-defined]
    page.reload()  # type: ignore[attr-defined]
    page.get_by_text("有人被困在电梯里了").wait_for(timeout=10_000)  # type: ignore[attr-defined]
    assert page.get_by_text("请立即拨打 119").count() >= 1  # type: ignore[attr-defined]


def test_reconnects_after_the_server_restarts(page: object, gateway: GatewayProcess) -> None:
    page.wait_for_function(
        "() => document.querySelector('.gva-status').textContent.startsWith('在线')"
    )  # type: ignore[attr-defined]
    gateway.stop()
    page.wait_for_function(
        "() => !document.querySelector('.gva-status').textContent.startsWith('在线')",  # type: ignore[attr-defined]
        timeout=15_000,
    )
    gateway.start()
    page.wait_for_function(
        "() => document.querySelector('.gva-status').textContent.startsWith('在线')",  # type: ignore[attr-defined]
        timeout=30_000,
    )
    send(page, "家里煤气泄漏了")
    page.get_by_text("请立即拨打 119").last.wait_for(timeout=10_000)  # type: ignore[attr-defined]
    page.screenshot(path=str(ARTIFACTS / "after-reconnect.png"))  # type: ignore[attr-defined]
