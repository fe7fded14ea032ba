"""Publish outbox rows to Redis Streams. At least once: a row is marked published only after XADD.

Creating a ticket never touches Redis; if Redis is down the rows wait and are published when it
is back. A crash between XADD and the commit publishes a row twice: consumers are idempotent.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import redis
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from feedback.db import OutboxRow

log = logging.getLogger("govassist.outbox")
STREAM_MAXLEN = 100_000


def relay_once(sessions: sessionmaker, client: redis.Redis, batch: int = 200) -> int:  # type: ignore[type-arg]
    """Publish up to `batch` pending rows in order; returns how many were published."""
    with sessions.begin() as session:
        query = (
            select(OutboxRow)
            .where(OutboxRow.published_at.is_(None))
            .order_by(OutboxRow.id)
            .limit(batch)
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = session.scalars(query).all()
        if not rows:
            return 0
        pipe = client.pipeline(transaction=False)
        for row in rows:
            fields: dict[Any, Any] = {str(k): str(v) for k, v in row.payload.items()}
            fields["outbox_id"] = str(row.id)
            pipe.xadd(row.stream, fields, maxlen=STREAM_MAXLEN, approximate=True)
        try:
            pipe.execute()
        except redis.RedisError:
            for row in rows:
                row.attempts += 1
            raise
        now = datetime.now(UTC)
        for row in rows:
            row.published_at = now
        return len(rows)


def pending_count(sessions: sessionmaker) -> int:  # type: ignore[type-arg]
    with sessions() as session:
        return len(
            session.scalars(select(OutboxRow.id).where(OutboxRow.published_at.is_(None))).all()
        )
