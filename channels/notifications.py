"""Deliver ticket status notices (stream govassist:notifications) to citizens on their own channel.

Every gateway instance joins one consumer group, so each notice is delivered once; a notice is
acknowledged only after delivery was attempted (failures are logged, not retried forever).
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


def _s(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


async def ensure_group(redis: Redis) -> None:
    try:
        await redis.xgroup_create(STREAM, GROUP, id="0", mkstream=True)
    except ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


async def deliver_once(
    redis: Redis, notifier: CitizenNotifier, consumer: str, block_ms: int = 2000
) -> int:
    """Read a batch of notices and deliver them; returns how many were delivered."""
    await ensure_group(redis)
    data: Any = await redis.xreadgroup(GROUP, consumer, {STREAM: ">"}, count=50, block=block_ms)
    delivered = 0
    for _, entries in data or []:
        for entry_id, raw in entries:
            fields = {_s(k): _s(v) for k, v in raw.items()}
            conversation = f"{fields.get('channel', '')}:{fields.get('sender_id', '')}"
            try:
                if fields.get("channel") in ("web", "wechat"):
                    await notifier.notify(
                        conversation, OutboundMessage(text=fields.get("text", "")), role="bot"
                    )
                    delivered += 1
            except Exception:
                log.exception(
                    "notification.delivery_failed", extra={"ctx_ticket": fields.get("ticket_id")}
                )
            await redis.xack(STREAM, GROUP, entry_id)
    return delivered


async def run(redis: Redis, notifier: CitizenNotifier) -> None:
    """Deliver forever; survives Redis restarts."""
    consumer = f"{socket.gethostname()}-{os.getpid()}"
    while True:
        try:
            await deliver_once(redis, notifier, consumer)
        except asyncio.CancelledError:
            raise
        except (RedisError, OSError):
            await asyncio.sleep(1.0)


async def install(app: Any, settings: Any) -> None:
    """Start the delivery loop with the app; it stops with the app."""
    del settings
    notifier = CitizenNotifier(app.state.conversation_store, app.state.wechat_sender)
    task = asyncio.create_task(run(app.state.redis, notifier))

    async def stop() -> None:
        task.cancel()

    app.state.on_shutdown = [*getattr(app.state, "on_shutdown", []), stop]
