"""Size limits: oversized request bodies (413) and messages longer than MAX_MESSAGE_CHARS (422)."""

from __future__ import annotations

import json

from fastapi.exceptions import RequestValidationError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from channels.texts import Texts


def too_long_text(texts: Texts, limit: int) -> str:
    """The citizen-facing reason a message over `limit` characters is refused."""
    return texts.too_long.format(limit=limit)


def check_message_length(
    text: str, limit: int, texts: Texts, loc: tuple[str, ...] = ("body", "text")
) -> None:
    """Raise a 422 in FastAPI's validation shape when `text` is longer than `limit`.

    The schemas cap messages at 2000 characters; MAX_MESSAGE_CHARS may set a lower limit.
    """
    if len(text) > limit:
        error = {"loc": loc, "msg": too_long_text(texts, limit), "type": "string_too_long"}
        raise RequestValidationError([error])


class BodyTooLarge(Exception):
    """The client sent more bytes than allowed."""


class BodySizeLimitMiddleware:
    """Pure ASGI middleware: counts body bytes as they arrive and stops at `max_bytes`."""

    def __init__(self, app: ASGIApp, max_bytes: int = 256 * 1024) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._reject(send)
            return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await self._reject(send)

    async def _reject(self, send: Send) -> None:
        body = json.dumps({"detail": f"request body larger than {self.max_bytes} bytes"}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
