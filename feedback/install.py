"""Attach the ticket service to the gateway at start-up."""

from __future__ import annotations

import logging
from typing import Any

import anyio
from sqlalchemy.exc import SQLAlchemyError

from feedback.factory import build_ticket_service
from feedback.oversight import backlog
from feedback.ratings import parse_rating, record_chat_rating
from feedback.service import TicketService

log = logging.getLogger("govassist.tickets")

WARM_UP_TEXT = "小区门口的路灯坏了一个星期"


async def install(app: Any, settings: Any) -> None:
    """Build the TicketService (migrating the database) and expose it as app.state.tickets."""
    service = await anyio.to_thread.run_sync(build_ticket_service, settings)
    # The router's first prediction loads its encoder and dictionaries (seconds on a busy machine):
    # pay that at start-up, not in a citizen's request.
    await anyio.to_thread.run_sync(service.classifier.predict, WARM_UP_TEXT)
    app.state.tickets = service
    app.state.router = service.classifier
    service.on_routed = lambda decision: app.state.metrics.routing_confidence.observe(
        decision.confidence
    )

    async def refresh(metrics: Any) -> None:
        open_count, overdue = await anyio.to_thread.run_sync(backlog, service)
        metrics.backlog.set(open_count)
        metrics.overdue.set(overdue)

    app.state.metrics.on_scrape(refresh)
    conversations = getattr(app.state, "conversations", None)
    if conversations is not None:
        conversations.interceptors.append(_chat_ratings(service))


def _chat_ratings(service: TicketService) -> Any:
    """A chat reply 满意 / 基本满意 / 不满意 to a ticket notice is recorded on the ticket."""

    async def intercept(channel: str, sender_id: str, text: str) -> str | None:
        if parse_rating(text) is None:  # most messages: no database call
            return None
        try:
            return await anyio.to_thread.run_sync(
                record_chat_rating, service, channel, sender_id, text
            )
        except SQLAlchemyError as exc:  # the bot answers instead; the citizen can rate later
            log.error("ticket.rating.failed", extra={"ctx_error": exc.__class__.__name__})
            return None

    return intercept
