"""Outbox atomicity, relay retries, the idempotent consumer and unique numbers across processes.

Uses the `service` / `database_url` fixtures of tests/feedback/conftest.py (SQLite and PostgreSQL)
and the real Redis, db 2.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor

import pytest
import redis
from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session

from feedback.consumer import GROUP, consume_once
from feedback.db import AuditRow, DeliveryRow, OutboxRow, TicketRow, make_engine, session_factory
from feedback.duty_classifier import DutyClassifier
from feedback.outbox import relay_once
from feedback.privacy import Cipher
from feedback.schemas import FeedbackCreate
from feedback.service import TicketService, department_stream
from knowledge.loader import load_knowledge_base
from tests.conftest import KB_DIR, REDIS_BASE_URL

TEXT = "有人在小区消防通道乱停车，堵了好几天"


@pytest.fixture
def client() -> Iterator[redis.Redis]:
    connection = redis.Redis.from_url(f"{REDIS_BASE_URL}/2", decode_responses=True)
    connection.flushdb()
    yield connection
    connection.flushdb()


def _create(n: int = 0) -> FeedbackCreate:
    return FeedbackCreate(
        text=f"{TEXT}（{n}）", channel="web", sender_id=f"s{n}", contact="13812345678"
    )


def _count(service: TicketService, model: type) -> int:
    with service.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _unpublished(service: TicketService) -> int:
    with service.sessions() as session:
        query = select(func.count()).select_from(OutboxRow).where(OutboxRow.published_at.is_(None))
        return int(session.scalar(query) or 0)


def test_ticket_and_outbox_rows_commit_together_or_not_at_all(service: TicketService) -> None:
    class OutboxWriteFailed(Exception):
        pass

    def fail_on_outbox(session: Session, *_: object) -> None:
        if any(isinstance(obj, OutboxRow) for obj in session.new):
            raise OutboxWriteFailed("disk full while writing the outbox")

    event.listen(service.sessions, "before_flush", fail_on_outbox)
    try:
        with pytest.raises(OutboxWriteFailed):
            service.submit(_create())
    finally:
        event.remove(service.sessions, "before_flush", fail_on_outbox)
    assert (_count(service, TicketRow), _count(service, OutboxRow), _count(service, AuditRow)) == (
        0,
        0,
        0,
    )

    ticket = service.submit(_create())
    with service.sessions() as session:
        streams = session.scalars(select(OutboxRow.stream)).all()
    assert _count(service, TicketRow) == 1
    assert "govassist:notifications" in streams
    if ticket.department:
        assert any(s.startswith("govassist:dept:") for s in streams)


def _dead_redis() -> redis.Redis:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return redis.Redis(port=port, socket_connect_timeout=0.5)


def test_submit_needs_no_redis_and_the_relay_publishes_once_it_is_back(
    service: TicketService, client: redis.Redis
) -> None:
    tickets = [service.submit(_create(n)).ticket_id for n in range(3)]
    pending = _unpublished(service)
    assert pending >= 3
    with pytest.raises(redis.ConnectionError):
        relay_once(service.sessions, _dead_redis())
    assert _unpublished(service) == pending  # nothing marked published that was not
    assert relay_once(service.sessions, client) == pending
    assert _unpublished(service) == 0 and relay_once(service.sessions, client) == 0
    notified = {f["ticket_id"] for _, f in client.xrange("govassist:notifications")}
    assert set(tickets) <= notified


def test_a_delivery_published_twice_is_handled_once(
    service: TicketService, client: redis.Redis
) -> None:
    ticket = service.submit(_create(), department_hint="traffic_police")
    relay_once(service.sessions, client)
    with service.sessions.begin() as session:  # as if the relay died after XADD, before its commit
        session.execute(update(OutboxRow).values(published_at=None))
    relay_once(service.sessions, client)
    stream = department_stream("traffic_police")
    entries = [f for _, f in client.xrange(stream) if f["ticket_id"] == ticket.ticket_id]
    assert len(entries) == 2
    streams = {stream: "市公安局交通警察支队"}
    handled: list[str] = []
    assert (
        consume_once(
            client,
            service.sessions,
            streams,
            "c1",
            lambda _d, f: handled.append(f["ticket_id"]),
            block_ms=10,
        )
        == 1
    )
    assert consume_once(client, service.sessions, streams, "c2", block_ms=10) == 0
    assert handled == [ticket.ticket_id]
    assert client.xpending(stream, GROUP)["pending"] == 0  # the duplicate was acknowledged too
    with service.sessions() as session:
        rows = session.scalars(
            select(DeliveryRow).where(DeliveryRow.ticket_id == ticket.ticket_id)
        ).all()
    assert len(rows) == 1


def _submit_in_process(database_url: str, offset: int, count: int) -> list[str]:
    kb = load_knowledge_base(KB_DIR)
    service = TicketService(
        sessions=session_factory(make_engine(database_url)),
        classifier=DutyClassifier(kb.departments),  # cheap to build in each process
        departments=kb.departments,
        cipher=Cipher("test-secret"),
    )
    return [service.submit(_create(offset + n)).ticket_id for n in range(count)]


def test_ticket_numbers_are_unique_across_processes(database_url: str) -> None:
    processes, per = 4, 15
    with ProcessPoolExecutor(processes) as pool:
        runs = list(
            pool.map(
                _submit_in_process,
                [database_url] * processes,
                [100 * i for i in range(processes)],
                [per] * processes,
            )
        )
    ids = [ticket_id for run in runs for ticket_id in run]
    assert len(ids) == len(set(ids)) == processes * per
    assert sorted(int(i[-4:]) for i in ids) == list(range(1, processes * per + 1))  # no gaps either


def test_failed_relay_attempts_are_counted_and_kept(service: TicketService) -> None:
    service.submit(_create())
    for expected in (1, 2):
        with pytest.raises(redis.ConnectionError):
            relay_once(service.sessions, _dead_redis())
        with service.sessions() as session:
            attempts = session.scalars(select(OutboxRow.attempts)).all()
        assert attempts and set(attempts) == {expected}
    assert _unpublished(service) == len(attempts)
