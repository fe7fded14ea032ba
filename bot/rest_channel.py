"""Rasa's REST channel plus the gateway's request id (the Rasa server loads it via credentials.yml).

Runs inside the Rasa server (.venv-rasa) and switches its log lines to JSON. The gateway sends
`X-Request-ID` with every turn; this channel puts it in a context variable for the duration of the
request so that every log line Rasa writes while handling the turn carries it (see
`bot.log_filter`), and it also travels in the message metadata (the gateway sets it there), so the
action server logs it too.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

from prometheus_client import CONTENT_TYPE_LATEST
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, Sanic, response
from sanic.exceptions import SanicException
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.log_filter import MAX_REQUEST_ID, request_id_var, use_json_logs
from bot.rasa_metrics import RasaMetrics, install_intent_counting
from bot.rasa_speedups import install_all

log = logging.getLogger("govassist.rasa")


class GatewayRestInput(RestInput):
    """`/webhooks/rest/webhook`, unchanged, with the caller's request id bound while it runs."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        webhook = super().blueprint(on_new_message)
        use_json_logs()
        for skipped in install_all():
            log.warning("rasa.speedups.skipped: %s (Rasa's internals changed)", skipped)

        @webhook.middleware("request")
        async def bind_request_id(request: Request) -> None:
            request_id_var.set(request.headers.get("X-Request-ID", "")[:MAX_REQUEST_ID])
            request.ctx.started = time.monotonic()
            log.info("rest.turn.received %s", request.path)

        @webhook.middleware("response")
        async def log_turn(request: Request, reply: HTTPResponse) -> None:
            took_s = time.monotonic() - getattr(request.ctx, "started", time.monotonic())
            metrics = getattr(request.app.ctx, "govassist_metrics", None)
            if metrics is not None and request.path.endswith("/webhook"):
                metrics.turn_seconds.observe(took_s)
            log.info(
                "rest.turn.replied %s %s in %.0f ms", request.path, reply.status, took_s * 1000
            )

        _add_probes()
        return webhook


def _add_probes() -> None:
    """`GET /healthz`, `GET /readyz` and `GET /metrics` on the Rasa server, like every service.

    Rasa has `/` and `/status`; the probes give it the same contract as the other processes:
    healthz = the process serves HTTP, readyz = a model is loaded and the agent can answer.
    """
    app = _rasa_app()
    if app is None or getattr(app.ctx, "govassist_probes", False):
        return
    app.ctx.govassist_probes = True
    metrics = RasaMetrics()
    app.ctx.govassist_metrics = metrics
    if not install_intent_counting(metrics):
        log.warning("rasa.metrics.intents_skipped: MessageProcessor has changed")

    async def healthz(_: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    async def readyz(request: Request) -> HTTPResponse:
        agent = getattr(request.app.ctx, "agent", None)
        ready = bool(agent is not None and agent.is_ready())
        return response.json({"status": "ok" if ready else "loading"}, status=200 if ready else 503)

    async def prometheus(_: Request) -> HTTPResponse:
        return response.raw(metrics.render(), content_type=CONTENT_TYPE_LATEST)

    app.add_route(healthz, "/healthz", methods=["GET"], name="govassist_probes")
    app.add_route(prometheus, "/metrics", methods=["GET"], name="govassist_metrics")
    app.add_route(readyz, "/readyz", methods=["GET"], name="govassist_readyz")


def _rasa_app() -> Sanic | None:
    for name in ("rasa_server", "rasa_core_no_api"):
        try:
            return Sanic.get_app(name)
        except SanicException:
            continue
    return None
