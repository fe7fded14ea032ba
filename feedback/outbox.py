"""Publish outbox rows to Redis Streams. At least once: a row is marked published only after XADD.

Creating a ticket never touches Redis; if Redis is down the rows wait and are published when it
is back. A crash between XADD and the commit publishes a row twice: consumers are idempotent.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import redis
from sqlalchemy import select, update
from sqlalchemy.orm import sessionmaker

from feedback.db import OutboxRow

log = logging.getLogger("govassist.outbox")
STREAM_MAXLEN = 100_000


def relay_once(sessions: sessionmaker, client: redis.Redis, batch: int = 200) -> int:  # type: ignore[type-arg]
    """Publish up to `batch` pending rows in order; returns how many were published.

    When Redis fails, the rows stay pending and their `attempts` grow (in a transaction of
    their own: the one that selected them is rolled back with the failure).
    """
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
        except redis.RedisError as exc:
            failure, failed = exc, [row.id for row in rows]
        else:
            now = datetime.now(UTC)
            for row in rows:
                row.published_at = now
            return len(rows)
    with sessions.begin() as session:
        session.execute(
            update(OutboxRow)
            .where(OutboxRow.id.in_(failed))
            .values(attempts=OutboxRow.attempts + 1)
        )
    raise failure


def pending_count(sessions: sessionmaker) -> int:  # type: ignore[type-arg]
    with sessions() as session:
        return len(
            session.scalars(select(OutboxRow.id).where(OutboxRow.published_at.is_(None))).all()
        )
