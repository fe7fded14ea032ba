"""Prometheus metrics of the ticket worker (served on its probe port at `/metrics`).

Gauges are read from the database at scrape time, so every worker reports the same backlog;
counters are this process's own. A scrape while the database is down keeps the last values.
"""

from __future__ import annotations

import logging

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from feedback.db import OutboxRow
from feedback.oversight import backlog
from feedback.service import TicketService

log = logging.getLogger("govassist.worker")


class WorkerMetrics:
    """Backlog, overdue tickets, undelivered outbox rows and delivery failures."""

    def __init__(self, service: TicketService) -> None:
        self.service = service
        self.registry = CollectorRegistry()
        self.tickets_open = Gauge(
            "govassist_tickets_open", "Tickets not closed", registry=self.registry
        )
        self.tickets_overdue = Gauge(
            "govassist_tickets_overdue", "Tickets past their deadline", registry=self.registry
        )
        self.outbox_pending = Gauge(
            "govassist_outbox_pending",
            "Outbox rows (department deliveries, citizen notices) not yet published to Redis",
            registry=self.registry,
        )
        self.outbox_failed_attempts = Gauge(
            "govassist_outbox_failed_attempts",
            "Failed publish attempts of the outbox rows still pending",
            registry=self.registry,
        )
        self.published = Counter(
            "govassist_outbox_published", "Outbox rows published", registry=self.registry
        )
        self.handled = Counter(
            "govassist_department_deliveries",
            "Department stream entries handled (duplicates excluded)",
            registry=self.registry,
        )
        self.failures = Counter(
            "govassist_delivery_failures",
            "Worker steps that failed (Redis or database unreachable): deliveries wait",
            ["error"],
            registry=self.registry,
        )

    def step_done(self, published: int, handled: int) -> None:
        self.published.inc(published)
        self.handled.inc(handled)

    def step_failed(self, error: str) -> None:
        self.failures.labels(error).inc()

    def render(self) -> bytes:
        """Refresh the gauges from the database and return the Prometheus text."""
        try:
            self._refresh()
        except SQLAlchemyError as exc:
            log.warning("worker.metrics.stale", extra={"ctx_error": exc.__class__.__name__})
        return bytes(generate_latest(self.registry))

    def _refresh(self) -> None:
        open_count, overdue = backlog(self.service)
        pending = OutboxRow.published_at.is_(None)
        with self.service.sessions() as session:
            rows, attempts = session.execute(
                select(
                    func.count(OutboxRow.id), func.coalesce(func.sum(OutboxRow.attempts), 0)
                ).where(pending)
            ).one()
        self.tickets_open.set(open_count)
        self.tickets_overdue.set(overdue)
        self.outbox_pending.set(int(rows))
        self.outbox_failed_attempts.set(int(attempts))
