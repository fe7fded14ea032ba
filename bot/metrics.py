"""Prometheus metrics of the action server: searches by result, routing confidence, action outcomes.

Each process exposes its own `/metrics` (the gateway, the Rasa server, this one); Prometheus adds
them up. The search not-found rate of citizens' questions is
`govassist_search_total{result="not_found"} / sum(govassist_search_total)` on the action servers.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest


class BotMetrics:
    """The action server's counters, in a registry of their own (no global state)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.search = Counter(
            "govassist_search_total",
            "Searches for citizens' questions by result (found, ambiguous, not_found)",
            ["result"],
            registry=self.registry,
        )
        self.routing_confidence = Histogram(
            "govassist_routing_confidence",
            "Confidence of routing decisions for tickets filed in conversations",
            registry=self.registry,
            buckets=(0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1),
        )
        self.actions = Counter(
            "govassist_actions_total",
            "Custom actions run, by outcome (ok, degraded: a dependency down, failed: a bug)",
            ["action", "outcome"],
            registry=self.registry,
        )

    def render(self) -> bytes:
        return bytes(generate_latest(self.registry))
