"""Bound how long a client may take to send a request (slowloris and slow-body clients).

uvicorn closes idle keep-alive connections (`timeout_keep_alive`) but waits forever for a client
that trickles its headers or body, so a few hundred such connections hold the gateway's sockets.
`BoundedH11Protocol` gives every request a deadline from its first byte (or from the connection
being opened) until its last: past it the server answers 408 if it has not answered yet and
closes the connection. Time spent by the application is not counted.
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

RESPONSE_408 = (
    b"HTTP/1.1 408 Request Timeout\r\n"
    b"content-type: application/json\r\n"
    b"connection: close\r\n"
    b"content-length: 42\r\n\r\n"
    b'{"detail": "request not received in time"}'
)
_READING = (h11.IDLE, h11.SEND_BODY)  # the client owes us (the rest of) a request


class BoundedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline for receiving each whole request."""

    def __init__(self, *args: Any, request_timeout_s: float = 10.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request_timeout_s = request_timeout_s
        self._deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state in _READING and not self.transport.is_closing():
            self._arm()
        else:
            self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        if self._deadline is None:
            self._deadline = self.loop.call_later(self.request_timeout_s, self._expired)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expired(self) -> None:
        self._deadline = None
        if self.transport.is_closing() or self.transport.get_protocol() is not self:
            return  # closed meanwhile, or upgraded to a WebSocket
        if self.conn.their_state not in _READING:
            return
        if self.cycle is None or not self.cycle.response_started:
            self.transport.write(RESPONSE_408)
        self.logger.info("closed a connection that did not send its request in time")
        self.transport.close()
