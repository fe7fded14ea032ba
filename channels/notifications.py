"""Deliver ticket status notices (stream govassist:notifications) to citizens on their own channel.

At least once: every gateway instance joins one consumer group, and a notice is acknowledged
only after it was delivered. A failed delivery stays pending, so does one whose gateway died.
Pending notices idle for `claim_idle_ms` are claimed (XAUTOCLAIM) by whichever gateway reads next,
its own included, and tried again; after `MAX_DELIVERIES` tries a notice is logged and dropped.
A notice may reach a citizen twice (a gateway dying between sending and acknowledging it), never
zero times while the gateways keep running; a failed try leaves no trace in the history.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError

from channels.messages import OutboundMessage
from channels.push import CitizenNotifier

log = logging.getLogger("govassist.notifications")
STREAM = "govassist:notifications"
GROUP = "gateways"
PUSH_CHANNELS = ("web", "wechat")  # hotline, api, open311: a hotline agent calls back
CLAIM_IDLE_MS = 60_000
MAX_DELIVERIES = 10
BATCH = 50


def _s(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


async def ensure_group(redis: Redis) -> None:
    try:
        await redis.xgroup_create(STREAM, GROUP, id="0", mkstream=True)
    except ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


async def _claim(redis: Redis, consumer: str, claim_idle_ms: int) -> list[tuple[Any, Any]]:
    """Entries pending longer than `claim_idle_ms` (a failed try, a dead gateway), now ours."""
    claimed: Any = await redis.xautoclaim(
        STREAM, GROUP, consumer, min_idle_time=claim_idle_ms, start_id="0-0", count=BATCH
    )
    return [(entry_id, raw) for entry_id, raw in claimed[1] if raw]


async def _tries(redis: Redis, entry_ids: list[Any]) -> dict[str, int]:
    """How often each (claimed) entry was delivered, asked entry by entry: a range over the
    whole pending list would miss entries past its first page."""
    async with redis.pipeline(transaction=False) as pipe:
        for entry_id in entry_ids:
            pipe.xpending_range(STREAM, GROUP, min=entry_id, max=entry_id, count=1)
        answers: list[Any] = await pipe.execute()
    return {_s(p["message_id"]): int(p["times_delivered"]) for rows in answers for p in rows}


async def deliver_once(
    redis: Redis,
    notifier: CitizenNotifier,
    consumer: str,
    block_ms: int = 2000,
    claim_idle_ms: int = CLAIM_IDLE_MS,
) -> int:
    """Deliver reclaimed, then new notices; returns how many were delivered (and acknowledged)."""
    await ensure_group(redis)
    entries = await _claim(redis, consumer, claim_idle_ms)
    tries = await _tries(redis, [entry_id for entry_id, _ in entries]) if entries else {}
    data: Any = await redis.xreadgroup(GROUP, consumer, {STREAM: ">"}, count=BATCH, block=block_ms)
    entries += [entry for _, batch in data or [] for entry in batch]
    delivered = 0
    for entry_id, raw in entries:
        fields = {_s(k): _s(v) for k, v in raw.items()}
        outcome = await _deliver(notifier, fields, tries.get(_s(entry_id), 1))
        if outcome != "failed":  # a failed one stays pending, to be claimed again
            await redis.xack(STREAM, GROUP, entry_id)
        delivered += outcome == "delivered"
    return delivered


async def _deliver(notifier: CitizenNotifier, fields: dict[str, str], tries: int) -> str:
    """delivered, skipped (a channel without push), failed, or given_up (failed too often)."""
    channel = fields.get("channel", "")
    if channel not in PUSH_CHANNELS:
        return "skipped"
    try:
        await notifier.notify(
            f"{channel}:{fields.get('sender_id', '')}",
            OutboundMessage(text=fields.get("text", "")),
            role="bot",
        )
        return "delivered"
    except Exception as exc:
        given_up = tries >= MAX_DELIVERIES
        log.warning(
            "notification.given_up" if given_up else "notification.delivery_failed",
            extra={
                "ctx_ticket": fields.get("ticket_id"),
                "ctx_tries": tries,
                "ctx_error": exc.__class__.__name__,
            },
        )
        return "given_up" if given_up else "failed"


async def run(redis: Redis, notifier: CitizenNotifier, claim_idle_ms: int = CLAIM_IDLE_MS) -> None:
    """Deliver forever; survives Redis restarts."""
    consumer = f"{socket.gethostname()}-{os.getpid()}"
    while True:
        try:
            await deliver_once(redis, notifier, consumer, claim_idle_ms=claim_idle_ms)
        except asyncio.CancelledError:
            raise
        except (RedisError, OSError):
            await asyncio.sleep(1.0)


async def install(app: Any, settings: Any) -> None:
    """Start the delivery loop with the app; it stops with the app."""
    notifier = CitizenNotifier(app.state.conversation_store, app.state.wechat_sender)
    claim_idle_ms = int(settings.notify_claim_idle_s * 1000)
    task = asyncio.create_task(run(app.state.redis, notifier, claim_idle_ms))

    async def stop() -> None:
        task.cancel()

    app.state.on_shutdown = [*getattr(app.state, "on_shutdown", []), stop]
