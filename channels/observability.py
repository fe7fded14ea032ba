"""Structured JSON logs with personal data masked, and a request id that follows each message."""

from __future__ import annotations

import logging
import sys
import uuid
from collections.abc import Awaitable, Callable
from contextvars import ContextVar

from pythonjsonlogger.json import JsonFormatter
from starlette.requests import Request
from starlette.responses import Response

from feedback.privacy import RedactingFilter

request_id_var: ContextVar[str] = ContextVar("request_id", default="")


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "ctx_request_id", ""):
            record.ctx_request_id = request_id_var.get()
        return True


def configure_logging(level: str = "INFO", stream: object = None) -> None:
    """One JSON object per line on stderr; ID numbers and phones masked in every record."""
    handler = logging.StreamHandler(stream or sys.stderr)  # type: ignore[arg-type]
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level"},
            json_ensure_ascii=False,
        )
    )
    handler.addFilter(_RequestIdFilter())
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())


async def request_id_middleware(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    """Take X-Request-ID from the caller or make one; echo it back; expose it to logs."""
    incoming = request.headers.get("x-request-id", "")
    rid = (
        incoming
        if 8 <= len(incoming) <= 64 and incoming.replace("-", "").isalnum()
        else uuid.uuid4().hex
    )
    token = request_id_var.set(rid)
    try:
        response = await call_next(request)
    finally:
        request_id_var.reset(token)
    response.headers["X-Request-ID"] = rid
    return response
