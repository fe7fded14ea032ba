"""Retention of what the gateway keeps in Redis: conversation histories and citizen-text streams.

Histories already expire 7 days after their last turn (`conversation_store`), inboxes after 7
days, hotline calls after a day; this purge enforces shorter retention ages and catches keys
whose expiry was lost (e.g. restored from a backup). Stream entries older than the cutoff are
trimmed: ticket notices name the sender and quote replies, answer feedback names the sender,
suggestion feedback quotes the caller's question.
"""

from __future__ import annotations

import json
from datetime import datetime

from redis import Redis

from channels.conversation_store import PREFIX

HISTORY_PATTERN = f"{PREFIX}:history:*"
PERSONAL_STREAMS = (
    f"{PREFIX}:notifications",
    f"{PREFIX}:answer_feedback",
    f"{PREFIX}:suggestion_feedback",
)


def purge_histories(redis: Redis, cutoff: datetime, dry_run: bool = False) -> int:
    """Delete conversation histories whose last turn is older than `cutoff`."""
    limit = cutoff.timestamp()
    stale = [
        key
        for key in redis.scan_iter(match=HISTORY_PATTERN, count=500)
        if _last_ts(redis, key) < limit
    ]
    if stale and not dry_run:
        redis.delete(*stale)
    return len(stale)


def purge_streams(redis: Redis, cutoff: datetime, dry_run: bool = False) -> int:
    """Trim entries older than `cutoff` from streams that carry personal data; returns entries."""
    min_id = f"{int(cutoff.timestamp() * 1000)}-0"
    total = 0
    for stream in PERSONAL_STREAMS:
        if not redis.exists(stream):
            continue
        if dry_run:
            total += len(redis.xrange(stream, "-", f"({min_id}") or [])
        else:
            total += int(redis.xtrim(stream, minid=min_id, approximate=False))
    return total


def _last_ts(redis: Redis, key: bytes | str) -> float:
    raw = redis.lindex(key, -1)
    if raw is None:
        return float("inf")
    try:
        return float(json.loads(raw).get("ts", 0.0))
    except (ValueError, AttributeError, TypeError):
        return 0.0  # unreadable history: nothing worth keeping
