"""CORS for the citizen endpoints only (chat, history, poll, answer feedback, widget assets).

A page of an allowed origin (the city portal) may call them from the browser; a request whose
Origin is not allowed is refused with 403, preflight included. Agent, department and dispatch
endpoints get no CORS headers at all: only same-origin pages (the consoles) use them.
"""

from __future__ import annotations

import json
import logging

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from channels.web.origins import OriginPolicy

PUBLIC_PATHS = frozenset({"/api/chat", "/api/chat/history", "/api/chat/poll", "/api/chat/feedback"})
PUBLIC_PREFIXES = ("/widget/",)
ALLOWED_METHODS = ("GET", "POST", "OPTIONS")
ALLOWED_HEADERS = frozenset({"content-type", "x-request-id"})
EXPOSED_HEADERS = "X-Request-ID"
PREFLIGHT_MAX_AGE_S = "600"
log = logging.getLogger("govassist.web")


def is_public(path: str) -> bool:
    """True for the paths an embedding page may call cross-origin."""
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


class PublicCORSMiddleware:
    """Pure ASGI middleware: preflight answers, CORS headers, refusal of other origins."""

    def __init__(self, app: ASGIApp, policy: OriginPolicy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_public(scope["path"]):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin, host = headers.get("origin"), headers.get("host")
        if not self.policy.allows(origin, host):
            log.warning("web.cors.origin_refused", extra={"ctx_origin": origin})
            await _respond(send, 403, {"detail": f"origin {origin!r} may not use this endpoint"})
            return
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            await self._preflight(send, headers, str(origin))
            return
        if not self.policy.is_cross_origin(origin, host):
            await self.app(scope, receive, _vary_origin(send))
            return
        await self.app(scope, receive, _with_cors(send, str(origin)))

    async def _preflight(self, send: Send, headers: Headers, origin: str) -> None:
        asked = {
            h.strip().lower()
            for h in headers.get("access-control-request-headers", "").split(",")
            if h.strip()
        }
        if headers["access-control-request-method"].upper() not in ALLOWED_METHODS:
            await _respond(send, 403, {"detail": "method not allowed cross-origin"})
            return
        if asked - ALLOWED_HEADERS:
            detail = f"headers not allowed cross-origin: {sorted(asked - ALLOWED_HEADERS)}"
            await _respond(send, 403, {"detail": detail})
            return
        await _respond(
            send,
            204,
            None,
            {
                "access-control-allow-origin": origin,
                "access-control-allow-methods": ", ".join(ALLOWED_METHODS),
                "access-control-allow-headers": ", ".join(sorted(ALLOWED_HEADERS)),
                "access-control-max-age": PREFLIGHT_MAX_AGE_S,
                "vary": "Origin",
            },
        )


def _vary_origin(send: Send) -> Send:
    """Caches must not give one origin's answer to another."""

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            MutableHeaders(scope=message).add_vary_header("Origin")
        await send(message)

    return wrapped


def _with_cors(send: Send, origin: str) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            response_headers = MutableHeaders(scope=message)
            response_headers["access-control-allow-origin"] = origin
            response_headers["access-control-expose-headers"] = EXPOSED_HEADERS
            response_headers.add_vary_header("Origin")
        await send(message)

    return wrapped


async def _respond(
    send: Send, status: int, body: object, extra: dict[str, str] | None = None
) -> None:
    data = json.dumps(body, ensure_ascii=False).encode() if body is not None else b""
    headers = [(k.encode(), v.encode()) for k, v in (extra or {}).items()]
    if body is not None:
        headers.append((b"content-type", b"application/json"))
    headers.append((b"content-length", str(len(data)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})
