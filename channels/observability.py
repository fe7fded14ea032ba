"""Request ids for the gateway: taken from X-Request-ID or made, echoed back, visible to logs."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from govassist.observability import configure_logging, request_id_var

__all__ = ["configure_logging", "request_id_middleware", "request_id_var"]


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
