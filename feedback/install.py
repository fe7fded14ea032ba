"""Attach the ticket service to the gateway at start-up."""

from __future__ import annotations

from typing import Any

import anyio

from feedback.factory import build_ticket_service
from feedback.oversight import backlog

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
