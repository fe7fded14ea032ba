"""A local stub of the WeChat API servers (the only outside service we cannot reach).

Speaks the real protocol for what we use: `GET /cgi-bin/token` (access token, with expiry and
forced refresh through errcode 40001/42001), `POST /cgi-bin/message/custom/send` (客服消息),
`POST /cgi-bin/message/template/send` (模板消息) and `POST /cgi-bin/menu/create` (自定义菜单).
Records every accepted message and menu.
`RasaNluStub` is a Rasa server's `/model/parse` that can be made slow (hotline deadlines).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse


@dataclass
class StubState:
    app_id: str
    app_secret: str
    tokens_issued: int = 0
    valid_token: str = ""
    expire_next_call: bool = False
    messages: list[dict[str, Any]] = field(default_factory=list)
    menus: list[dict[str, Any]] = field(default_factory=list)  # accepted menu/create bodies
    send_delay_s: float = 0.0  # a slow platform: how long each message send takes
    in_flight: int = 0
    max_in_flight: int = 0  # most message sends the stub was handling at the same time
    lock: threading.Lock = field(default_factory=threading.Lock)


MESSAGE_KINDS = {
    "/cgi-bin/message/custom/send": "customer_service",
    "/cgi-bin/message/template/send": "template",
}


class _WeChatHandler(BaseHTTPRequestHandler):
    state: StubState  # set on the subclass `_handler` makes for one stub

    def log_message(self, *args: Any) -> None:
        pass

    def _reply(self, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _create_menu(self, body: dict[str, Any]) -> None:
        buttons = body.get("button")
        if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
            self._reply({"errcode": 40016, "errmsg": "invalid button size"})
            return
        with self.state.lock:
            self.state.menus.append(body)
        self._reply({"errcode": 0, "errmsg": "ok"})

    def do_GET(self) -> None:
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path != "/cgi-bin/token":
            self._reply({"errcode": 404, "errmsg": "not found"})
            return
        if query.get("appid") != self.state.app_id or query.get("secret") != self.state.app_secret:
            self._reply({"errcode": 40125, "errmsg": "invalid appsecret"})
            return
        with self.state.lock:
            self.state.tokens_issued += 1
            self.state.valid_token = f"TOKEN{self.state.tokens_issued}"
        self._reply({"access_token": self.state.valid_token, "expires_in": 7200})

    def do_POST(self) -> None:
        url = urlparse(self.path)
        token = parse_qs(url.query).get("access_token", [""])[0]
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        with self.state.lock:
            if self.state.expire_next_call:
                self.state.expire_next_call = False
                self._reply({"errcode": 42001, "errmsg": "access_token expired"})
                return
            if token != self.state.valid_token:
                self._reply({"errcode": 40001, "errmsg": "invalid credential"})
                return
        if url.path == "/cgi-bin/menu/create":
            self._create_menu(body)
        elif url.path in MESSAGE_KINDS:
            self._send_message(MESSAGE_KINDS[url.path], body)
        else:
            self._reply({"errcode": 404, "errmsg": "not found"})

    def _send_message(self, kind: str, body: dict[str, Any]) -> None:
        if kind == "template" and not body.get("template_id"):
            self._reply({"errcode": 40037, "errmsg": "invalid template_id"})
            return
        with self.state.lock:
            self.state.in_flight += 1
            self.state.max_in_flight = max(self.state.max_in_flight, self.state.in_flight)
        time.sleep(self.state.send_delay_s)
        with self.state.lock:
            self.state.in_flight -= 1
            self.state.messages.append({"kind": kind, **body})
        self._reply({"errcode": 0, "errmsg": "ok", "msgid": len(self.state.messages)})


def _handler(state: StubState) -> type[BaseHTTPRequestHandler]:
    return type("Handler", (_WeChatHandler,), {"state": state})


class WeChatApiStub:
    """Run the stub on a free loopback port for the duration of a test session."""

    def __init__(self, app_id: str, app_secret: str) -> None:
        self.state = StubState(app_id, app_secret)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.state))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> WeChatApiStub:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()


@dataclass
class NluState:
    intent: str = "file_complaint"
    delay_s: float = 0.0
    parsed: list[str] = field(default_factory=list)
    replies: list[dict[str, Any]] = field(default_factory=list)  # the REST channel's answer
    received: list[str] = field(default_factory=list)  # messages posted to the REST channel


class RasaNluStub:
    """The Rasa server's `POST /model/parse` (NLU only), answering after a configurable delay,
    and its REST channel `POST /webhooks/rest/webhook` answering `state.replies`.

    Stands in for a Rasa server that is slow or overloaded, which the hotline assist must
    survive, or that gives long answers (WeChat splitting); bodies are the shape Rasa 3.6 returns.
    """

    def __init__(self) -> None:
        self.state = NluState()
        state = self.state

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                path = urlparse(self.path).path
                if path not in ("/model/parse", "/webhooks/rest/webhook"):
                    self.send_error(404)
                    return
                time.sleep(state.delay_s)
                if path == "/webhooks/rest/webhook":
                    state.received.append(str(body.get("message", "")))
                    reply: Any = [
                        {"recipient_id": body.get("sender", ""), **r} for r in state.replies
                    ]
                else:
                    state.parsed.append(str(body.get("text", "")))
                    intent = {"name": state.intent, "confidence": 0.93}
                    reply = {
                        "text": body.get("text", ""),
                        "intent": intent,
                        "entities": [],
                        "intent_ranking": [intent],
                    }
                data = json.dumps(reply).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:  # the gateway gave up waiting
                    pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> RasaNluStub:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
