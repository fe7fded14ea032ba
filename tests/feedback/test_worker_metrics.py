"""The ticket worker's /metrics (SQLite, PostgreSQL; real Redis db 14): backlog, overdue,
undelivered outbox rows and delivery failures, as Prometheus text on the probe port."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
import redis
from prometheus_client.parser import text_string_to_metric_families

from feedback.outbox import pending_count
from feedback.schemas import FeedbackCreate, Kind
from feedback.service import TicketService
from feedback.worker import Worker
from feedback.worker_health import WorkerHealth, serve_probes
from feedback.worker_metrics import WorkerMetrics
from tests.conftest import REDIS_BASE_URL
from tests.feedback.conftest import Clock

CG = "市城市管理局"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def live_redis() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(f"{REDIS_BASE_URL}/14")
    client.flushdb()
    yield client
    client.flushdb()


def _scrape(url: str) -> dict[str, float]:
    response = httpx.get(f"{url}/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
            samples[sample.name + (f"{{{labels}}}" if labels else "")] = sample.value
    return samples


def test_worker_metrics_show_backlog_overdue_and_delivery_failures(
    service: TicketService, clock: Clock, live_redis: redis.Redis
) -> None:
    for kind in (Kind.REPORT, Kind.SUGGESTION):  # due Tuesday / in three weeks
        create = FeedbackCreate(text="小区门口的路灯坏了一个星期", channel="web", sender_id="c1")
        service.submit(create, department_hint=CG, kind_hint=kind)
    clock.now += timedelta(days=2)  # Wednesday: the report is overdue
    metrics, health = WorkerMetrics(service), WorkerHealth()
    server = serve_probes(health, "127.0.0.1", (port := _free_port()), metrics.render)
    url = f"http://127.0.0.1:{port}"
    try:
        with socket.socket() as sock:  # a Redis that is down
            sock.bind(("127.0.0.1", 0))
            dead = redis.Redis(port=sock.getsockname()[1], socket_connect_timeout=0.5)
        down = Worker(service, dead, sweep_every_s=float("inf"), health=health, metrics=metrics)
        assert down.turn() > 0  # backs off
        rows = pending_count(service.sessions)
        before = _scrape(url)
        assert before["govassist_tickets_open"] == 2
        assert before["govassist_tickets_overdue"] == 1
        assert before["govassist_outbox_pending"] == rows > 0
        assert before["govassist_outbox_failed_attempts"] == rows  # one failed try each
        assert before["govassist_delivery_failures_total{error=ConnectionError}"] == 1

        up = Worker(service, live_redis, sweep_every_s=float("inf"), health=health, metrics=metrics)
        up.turn()
        after = _scrape(url)
        assert after["govassist_outbox_pending"] == after["govassist_outbox_failed_attempts"] == 0
        assert after["govassist_outbox_published_total"] == rows
        assert after["govassist_department_deliveries_total"] == 2  # one per ticket
        assert after["govassist_delivery_failures_total{error=ConnectionError}"] == 1
        assert httpx.get(f"{url}/readyz").status_code == 200
    finally:
        server.shutdown()
