"""Prometheus metrics of the gateway, kept in a registry per app (no global state)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

router = APIRouter(tags=["health"])


def search_outcome(result: Any) -> str:
    """`found`, `ambiguous` or `not_found`: the label of a search result in the counters."""
    if getattr(result, "not_found", False) or not getattr(result, "hits", None):
        return "not_found"
    return "ambiguous" if getattr(result, "ambiguous", False) else "found"


class GatewayMetrics:
    """The gateway's counters, histograms and on-scrape gauges."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.turn_seconds = Histogram(
            "govassist_turn_seconds",
            "Latency of one citizen turn",
            ["channel"],
            registry=self.registry,
            buckets=(0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 5),
        )
        self.turns = Counter(
            "govassist_turns_total",
            "Citizen turns by outcome",
            ["channel", "outcome"],
            registry=self.registry,
        )
        self.intents = Counter(
            "govassist_intents_total",
            "Intents of caller utterances (hotline assist; chat: the Rasa server's /metrics)",
            ["intent"],
            registry=self.registry,
        )
        self.search = Counter(
            "govassist_search_total", "Searches by result", ["result"], registry=self.registry
        )
        self.routing_confidence = Histogram(
            "govassist_routing_confidence",
            "Confidence of routing decisions",
            registry=self.registry,
            buckets=(0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1),
        )
        self.backlog = Gauge("govassist_tickets_open", "Open tickets", registry=self.registry)
        self.overdue = Gauge("govassist_tickets_overdue", "Overdue tickets", registry=self.registry)
        self._refreshers: list[Callable[[GatewayMetrics], Awaitable[None]]] = []

    def on_scrape(self, refresher: Callable[[GatewayMetrics], Awaitable[None]]) -> None:
        """Register a coroutine that updates gauges before each scrape (e.g. ticket backlog)."""
        self._refreshers.append(refresher)

    async def render(self) -> bytes:
        for refresh in self._refreshers:
            try:
                await refresh(self)
            except Exception:  # a failing gauge source must not break the scrape
                continue
        return bytes(generate_latest(self.registry))

    def observe_turn(self, channel: str, seconds: float, kinds: list[str]) -> None:
        self.turn_seconds.labels(channel).observe(seconds)
        outcome = "empty" if not kinds else ("error" if "error" in kinds else kinds[0])
        self.turns.labels(channel, outcome).inc()


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    registry: Any = request.app.state.metrics
    return Response(await registry.render(), media_type=CONTENT_TYPE_LATEST)
