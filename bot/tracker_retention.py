"""Retention of Rasa's Redis tracker store: whole conversations whose last event is too old.

Trackers carry every user message and slot (ID numbers, phones, names filled in forms).
`bot/endpoints.yml` already expires a tracker 30 days after its last save (`record_exp`); this
purge enforces shorter retention ages and catches trackers whose expiry was lost. Key layout of
Rasa 3.6's RedisTrackerStore: `<key_prefix>:tracker:<sender_id>`, value the tracker as JSON with
`latest_event_time` (and every event's `timestamp`), encrypted by bot/tracker_store.py.
"""

from __future__ import annotations

import json
from datetime import datetime

from redis import Redis

from bot.tracker_codec import decode_tracker
from feedback.privacy import Cipher

TRACKER_PATTERN = "govassist:tracker:*"  # key_prefix in bot/endpoints.yml


def purge_trackers(redis: Redis, cutoff: datetime, cipher: Cipher, dry_run: bool = False) -> int:
    """Delete trackers whose latest event happened before `cutoff`; returns how many."""
    limit = cutoff.timestamp()
    stale = [
        key
        for key in redis.scan_iter(match=TRACKER_PATTERN, count=500)
        if redis.type(key) in (b"string", "string") and _latest(cipher, redis.get(key)) < limit
    ]
    if stale and not dry_run:
        redis.delete(*stale)
    return len(stale)


def _latest(cipher: Cipher, raw: bytes | str | None) -> float:
    if raw is None:
        return float("inf")
    try:
        state = json.loads(decode_tracker(cipher, raw))
    except ValueError:  # also a tracker encrypted with another SECRET_KEY
        return 0.0  # unreadable tracker: Rasa could not load it either
    times = [e.get("timestamp") or 0.0 for e in state.get("events") or [] if isinstance(e, dict)]
    return float(max([state.get("latest_event_time") or 0.0, *times]))
