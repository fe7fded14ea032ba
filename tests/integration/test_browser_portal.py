"""The widget embedded on a page of another origin (the city portal), in headless Chromium.

The portal is served from its own loopback port, so it is a different origin from the gateway.
The page embeds the widget with one <script> tag; a turn completes over the WebSocket and over
the REST fallback (a browser without WebSocket); a page of an origin not in
CORS_ALLOWED_ORIGINS is refused. Screenshots go to test-artifacts/browser/.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
import redis

from tests.conftest import BROWSER_ARTIFACTS, REDIS_BASE_URL, headless_chromium
from tests.integration.servers import GatewayProcess, free_port

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PORTAL_PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>示例市门户 · 外部页面</title></head><body><h1>示例市人民政府门户</h1>
<script src="{gateway}/widget/govassist-widget.js" defer></script></body></html>"""


class PortalServer:
    """A static page on its own loopback port: one <script> tag pointing at the gateway."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.gateway = ""
        portal = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                body = PORTAL_PAGE.format(gateway=portal.gateway).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def close(self) -> None:
        self._server.shutdown()


@pytest.fixture(scope="module")
def portals(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[PortalServer, PortalServer]]:
    """(allowed portal, disallowed site) and the gateway that trusts only the first."""
    allowed, other = PortalServer(free_port()), PortalServer(free_port())
    redis.Redis.from_url(f"{REDIS_BASE_URL}/6").flushdb()
    data = tmp_path_factory.mktemp("portal-gateway")
    env = {
        "REDIS_URL": f"{REDIS_BASE_URL}/6",
        "RASA_URL": "http://127.0.0.1:9",
        "DATA_DIR": str(data),
        "ENCODER": "off",
        "CORS_ALLOWED_ORIGINS": f"http://127.0.0.1:{allowed.port}",
    }
    gateway = GatewayProcess(env, data / "gateway.log")
    gateway.start()
    allowed.gateway = other.gateway = gateway.url
    yield allowed, other
    gateway.stop()
    allowed.close()
    other.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with headless_chromium() as chromium:
        yield chromium


def _open(browser: Any, url: str, without_websocket: bool = False) -> tuple[Any, Any, list[str]]:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    if without_websocket:  # an old browser or a proxy that drops WebSocket
        context.add_init_script("delete window.WebSocket;")
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(f"{r.method} {r.url}"))
    page.goto(url)
    page.get_by_role("button", name="打开政务服务智能助手").click()
    return context, page, requests


def _say(page: Any, text: str) -> None:
    box = page.get_by_label("输入您的问题")
    box.fill(text)
    box.press("Enter")


def test_portal_turn_over_websocket(
    browser: Any, portals: tuple[PortalServer, PortalServer]
) -> None:
    allowed, _ = portals
    context, page, requests = _open(browser, allowed.url)
    page.wait_for_function(
        "() => document.querySelector('#govassist-chat').dataset.transport === 'websocket'"
    )
    _say(page, "楼下着火了")
    page.get_by_text("请立即拨打 119").wait_for(timeout=10_000)
    assert not [r for r in requests if r.startswith("POST") and r.endswith("/api/chat")]
    assert page.evaluate("location.origin") != allowed.gateway  # really another origin
    page.screenshot(path=str(BROWSER_ARTIFACTS / "portal-websocket.png"))
    context.close()


def test_portal_turn_over_the_rest_fallback(
    browser: Any, portals: tuple[PortalServer, PortalServer]
) -> None:
    allowed, _ = portals
    context, page, requests = _open(browser, allowed.url, without_websocket=True)
    page.wait_for_function(
        "() => document.querySelector('#govassist-chat').dataset.transport === 'rest'"
    )
    _say(page, "有人晕倒了")
    page.get_by_text("请立即拨打 120").wait_for(timeout=10_000)
    assert [r for r in requests if r.startswith("POST") and r.endswith("/api/chat")]
    page.screenshot(path=str(BROWSER_ARTIFACTS / "portal-rest-fallback.png"))
    context.close()


def test_a_page_of_another_origin_is_refused(
    browser: Any, portals: tuple[PortalServer, PortalServer]
) -> None:
    _, other = portals
    context, page, _ = _open(browser, other.url)
    _say(page, "楼下着火了")
    page.get_by_text("网络连接失败").wait_for(timeout=10_000)
    assert page.get_by_text("请立即拨打 119").count() == 0
    assert page.locator("#govassist-chat").get_attribute("data-transport") != "websocket"
    page.screenshot(path=str(BROWSER_ARTIFACTS / "portal-refused.png"))
    context.close()
    refused = httpx.get(
        f"{other.gateway}/api/chat/history",
        params={"sender_id": "x"},
        headers={"Origin": f"http://127.0.0.1:{other.port}"},
    )
    assert refused.status_code == 403
