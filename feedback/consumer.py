"""Department-side consumer of the per-department streams: at least once in, exactly once handled.

Each delivered event is recorded under a unique (department, event key) before it is acknowledged,
so a redelivery (after a crash, or a duplicate publish) is recognised and only acknowledged.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import redis
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from feedback.db import DeliveryRow

GROUP = "departments"
CLAIM_IDLE_MS = 30_000
Handler = Callable[[str, dict[str, str]], None]


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def ensure_group(client: redis.Redis, stream: str) -> None:
    try:
        client.xgroup_create(stream, GROUP, id="0", mkstream=True)
    except redis.ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


def consume_once(
    client: redis.Redis,
    sessions: sessionmaker[Session],
    streams: dict[str, str],
    consumer: str,
    handler: Handler | None = None,
    block_ms: int = 1000,
) -> int:
    """Read new and pending entries of the department streams; returns how many were newly handled.

    Args:
        streams: stream name -> department name.
    """
    for stream in streams:
        ensure_group(client, stream)
    batches: list[tuple[str, list[tuple[Any, dict[Any, Any]]]]] = []
    for stream in streams:  # entries left pending by a consumer that died (SIGKILL, machine loss)
        claimed = client.xautoclaim(
            stream, GROUP, consumer, min_idle_time=CLAIM_IDLE_MS, start_id="0-0", count=100
        )
        batches.append((stream, claimed[1]))
    for start in ("0", ">"):  # then our own unacknowledged entries (after a crash), then new ones
        data: Any = client.xreadgroup(
            GROUP,
            consumer,
            dict.fromkeys(streams, start),
            count=100,
            block=None if start == "0" else block_ms,
        )
        batches.extend((_text(stream), entries) for stream, entries in data or [])
    handled = 0
    for name, entries in batches:
        for entry_id, raw in entries:
            fields = {_text(k): _text(v) for k, v in (raw or {}).items()}
            if fields and _record(sessions, streams[name], fields):
                handled += 1
                if handler is not None:
                    handler(streams[name], fields)
            client.xack(name, GROUP, entry_id)
    return handled


def _record(sessions: sessionmaker, department: str, fields: dict[str, str]) -> bool:  # type: ignore[type-arg]
    key = f"{fields.get('event', '')}:{fields.get('ticket_id', '')}:{fields.get('outbox_id', '')}"
    try:
        with sessions.begin() as session:
            session.add(
                DeliveryRow(
                    department=department,
                    event_key=key[:80],
                    ticket_id=fields.get("ticket_id", ""),
                    delivered_at=datetime.now(UTC),
                )
            )
        return True
    except IntegrityError:
        return False  # already handled: a redelivery
