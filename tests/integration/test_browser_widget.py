"""The web widget in a real headless Chromium (Debian's chromium, driven by Playwright).

The gateway is a real process; its Rasa is a stub answering what a test sets (quick replies,
long answers). Screenshots go to test-artifacts/browser/.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from tests.channels.stubs import RasaNluStub
from tests.conftest import BROWSER_ARTIFACTS, REDIS_BASE_URL, headless_chromium
from tests.integration.servers import GatewayProcess

ARTIFACTS = BROWSER_ARTIFACTS
pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def rasa() -> Iterator[RasaNluStub]:
    with RasaNluStub() as stub:
        yield stub


@pytest.fixture(autouse=True)
def _no_canned_replies(rasa: RasaNluStub) -> None:
    rasa.state.replies = []


@pytest.fixture(scope="module")
def gateway(
    tmp_path_factory: pytest.TempPathFactory, rasa: RasaNluStub
) -> Iterator[GatewayProcess]:
    redis.Redis.from_url(f"{REDIS_BASE_URL}/6").flushdb()
    data = tmp_path_factory.mktemp("gateway")
    env = {
        "REDIS_URL": f"{REDIS_BASE_URL}/6",
        "RASA_URL": rasa.base_url,
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
def portal(browser: object, gateway: GatewayProcess) -> Iterator[object]:
    """The demo portal page with the widget closed."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(gateway.url + "/")
    yield page
    context.close()


@pytest.fixture
def page(portal: object) -> object:
    portal.get_by_role("button", name="打开政务服务智能助手").click()  # type: ignore[attr-defined]
    return portal


def connection(page: object) -> dict[str, object]:
    """The widget's own report: transport, whether its WebSocket is open, reconnect count."""
    return dict(page.evaluate("() => window.GovAssistWidget.connection()"))  # type: ignore[attr-defined]


def focused(page: object) -> str:
    """The accessible name of the focused element."""
    return str(
        page.evaluate(  # type: ignore[attr-defined]
            "() => { const e = document.activeElement;"
            " return e.getAttribute('aria-label') || e.textContent.trim(); }"
        )
    )


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
    socket_open = "() => window.GovAssistWidget.connection().socketOpen"
    page.wait_for_function(socket_open, timeout=15_000)  # type: ignore[attr-defined]
    assert connection(page)["reconnects"] == 0
    gateway.stop()
    page.wait_for_function(f"() => !({socket_open})()", timeout=15_000)  # type: ignore[attr-defined]
    gateway.start()
    # the widget may have fallen back to REST polling meanwhile: wait for the socket itself
    page.wait_for_function(socket_open, timeout=60_000)  # type: ignore[attr-defined]
    state = connection(page)
    assert state["transport"] == "websocket" and int(str(state["reconnects"])) >= 1
    rest_chats: list[str] = []
    page.on(  # type: ignore[attr-defined]
        "request",
        lambda r: rest_chats.append(r.url) if r.method == "POST" and "/api/chat" in r.url else None,
    )
    send(page, "家里煤气泄漏了")
    reply = page.locator(".gva-bot", has_text="请立即拨打 119").last  # type: ignore[attr-defined]
    reply.wait_for(timeout=10_000)
    assert reply.get_attribute("data-via") == "websocket"  # the reply came over the socket
    assert rest_chats == []  # and the question went over it: no REST fallback
    page.screenshot(path=str(ARTIFACTS / "after-reconnect.png"))  # type: ignore[attr-defined]


def test_feedback_buttons_work_in_elderly_mode(page: object, rasa: RasaNluStub) -> None:
    rasa.state.replies = [
        {"text": "居住证申领：携带居民身份证、近期免冠照片和居住登记凭证，到居住地派出所办理。"}
    ]
    page.get_by_role("button", name="长辈模式").click()  # type: ignore[attr-defined]
    send(page, "居住证怎么办")
    helpful = page.get_by_role("button", name="这个回答有帮助")  # type: ignore[attr-defined]
    helpful.wait_for(state="visible", timeout=10_000)
    assert page.get_by_role("button", name="这个回答没帮助").is_visible()  # type: ignore[attr-defined]
    size = helpful.evaluate("el => getComputedStyle(el).fontSize")
    assert float(size.rstrip("px")) >= 20  # large like the other elderly-mode controls
    page.screenshot(path=str(ARTIFACTS / "elderly-feedback.png"))  # type: ignore[attr-defined]
    with page.expect_response(lambda r: "/api/chat/feedback" in r.url) as answered:  # type: ignore[attr-defined]
        helpful.click()
    assert answered.value.status == 204
    page.get_by_text("感谢您的评价！").wait_for(timeout=5_000)  # type: ignore[attr-defined]


def test_keyboard_only(portal: object, rasa: RasaNluStub) -> None:
    rasa.state.replies = [
        {
            "text": "请问您要办理哪一项？",
            "buttons": [
                {"title": "居住证申领", "payload": '/ask_service{"service_id": "GA-001"}'},
                {"title": "社会保障卡申领", "payload": '/ask_service{"service_id": "RS-001"}'},
            ],
        }
    ]
    keyboard = portal.keyboard  # type: ignore[attr-defined]
    for _ in range(20):  # Tab through the portal page to the launcher
        keyboard.press("Tab")
        if focused(portal) == "打开政务服务智能助手":
            break
    assert focused(portal) == "打开政务服务智能助手"
    keyboard.press("Enter")
    assert focused(portal) == "输入您的问题"
    keyboard.type("我想办证")
    keyboard.press("Enter")
    quick = portal.get_by_role("button", name="居住证申领")  # type: ignore[attr-defined]
    quick.wait_for(timeout=10_000)
    assert rasa.state.received[-1] == "我想办证"
    live = "el => !!el.closest('[aria-live]')"
    assert portal.locator(".gva-bot").last.evaluate(live)  # type: ignore[attr-defined]
    assert portal.locator(".gva-btns").last.evaluate(live)  # type: ignore[attr-defined]
    for _ in range(5):  # quick replies are focusable: back from the input to them
        keyboard.press("Shift+Tab")
        if focused(portal) == "居住证申领":
            break
    assert focused(portal) == "居住证申领"
    portal.screenshot(path=str(ARTIFACTS / "keyboard-quick-reply.png"))  # type: ignore[attr-defined]
    keyboard.press("Enter")
    portal.locator(".gva-user", has_text="居住证申领").wait_for(timeout=10_000)  # type: ignore[attr-defined]
    portal.locator(".gva-bot", has_text="请问您要办理哪一项").nth(1).wait_for(timeout=10_000)  # type: ignore[attr-defined]
    assert rasa.state.received[-1] == '/ask_service{"service_id": "GA-001"}'
    for _ in range(5):  # and Tab goes on to the input
        keyboard.press("Tab")
        if focused(portal) == "输入您的问题":
            break
    assert focused(portal) == "输入您的问题"
    unnamed = portal.evaluate(  # type: ignore[attr-defined]
        "() => [...document.querySelectorAll('.gva-launch, #govassist-chat button,"
        " #govassist-chat textarea, #govassist-chat a')]"
        ".filter(e => !(e.getAttribute('aria-label') || e.textContent.trim()))"
        ".map(e => e.outerHTML)"
    )
    assert unnamed == []  # every control has an accessible name
