"""`python -m feedback.worker`: outbox relay, department stream consumer, deadline sweep — forever.

Survives Redis and database outages: each loop step catches connection errors, waits and retries.
"""

from __future__ import annotations

import logging
import os
import socket
import time

import redis
from sqlalchemy.exc import OperationalError

from feedback.consumer import consume_once
from feedback.outbox import relay_once
from feedback.oversight import sweep_deadlines
from feedback.service import TicketService, department_stream
from feedback.worker_health import WorkerHealth, serve_probes
from feedback.worker_metrics import WorkerMetrics

log = logging.getLogger("govassist.worker")


class Worker:
    """One loop over the three background duties of the feedback loop."""

    def __init__(
        self,
        service: TicketService,
        client: redis.Redis,
        sweep_every_s: float = 60.0,
        health: WorkerHealth | None = None,
        metrics: WorkerMetrics | None = None,
    ) -> None:
        self.service = service
        self.health = health or WorkerHealth()
        self.metrics = metrics or WorkerMetrics(service)
        self._delay = 0.5
        self.client = client
        self.sweep_every_s = sweep_every_s
        self.name = f"{socket.gethostname()}-{os.getpid()}"
        self.streams = {department_stream(d.code): d.name for d in service.departments}
        self._last_sweep = 0.0

    def step(self) -> tuple[int, int]:
        """Relay pending outbox rows and handle department deliveries once."""
        published = relay_once(self.service.sessions, self.client)
        handled = consume_once(
            self.client, self.service.sessions, self.streams, self.name, block_ms=500
        )
        if time.monotonic() - self._last_sweep >= self.sweep_every_s:
            result = sweep_deadlines(self.service)
            self._last_sweep = time.monotonic()
            if result.warned or result.escalated:
                log.info(
                    "ticket.sweep",
                    extra={
                        "ctx_warned": len(result.warned),
                        "ctx_escalated": len(result.escalated),
                    },
                )
        return published, handled

    def turn(self) -> float:
        """One step, its outcome reported to the probes and metrics; returns the pause before
        the next (backing off while Redis or the database is unreachable)."""
        try:
            published, handled = self.step()
        except (redis.RedisError, OperationalError) as exc:
            error, delay = exc.__class__.__name__, self._delay
            self.health.step_failed(error)
            self.metrics.step_failed(error)
            log.warning("worker.retry", extra={"ctx_error": error, "ctx_delay": delay})
            self._delay = min(delay * 2, 10.0)
            return delay
        self.health.step_ok()
        self.metrics.step_done(published, handled)
        self._delay = 0.5
        return 0.0 if (published or handled) else 0.2

    def run_forever(self) -> None:
        while True:
            pause = self.turn()
            if pause:
                time.sleep(pause)


def main() -> None:
    from feedback.factory import build_ticket_service
    from govassist.observability import configure_logging
    from govassist.settings import Settings

    settings = Settings()
    configure_logging(settings.log_level)
    service = build_ticket_service(settings)
    client = redis.Redis.from_url(
        os.environ.get("REDIS_URL") or settings.redis_url, socket_timeout=5
    )
    health, metrics = WorkerHealth(), WorkerMetrics(service)
    if settings.worker_health_port:
        try:
            serve_probes(health, "127.0.0.1", settings.worker_health_port, metrics.render)
        except OSError as exc:  # e.g. a second worker on this host: it works, unprobed
            log.warning(
                "worker.probes.unavailable",
                extra={"ctx_port": settings.worker_health_port, "ctx_error": str(exc)},
            )
    log.info("worker.started", extra={"ctx_health_port": settings.worker_health_port})
    Worker(service, client, health=health, metrics=metrics).run_forever()


if __name__ == "__main__":
    main()
