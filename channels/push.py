"""Deliver messages to a citizen outside a request: agent replies and ticket notices.

Web users get them live over their WebSocket (Redis pub/sub) or, when no socket is
listening, from an inbox list the widget polls. WeChat users get them through the
customer-service or template message API.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from redis.asyncio import Redis

from channels.conversation_store import ConversationStore
from channels.messages import OutboundMessage

log = logging.getLogger("govassist.push")
INBOX_TTL_S = 7 * 24 * 3600


def push_channel(conversation_id: str) -> str:
    return f"govassist:push:{conversation_id}"


def inbox_key(conversation_id: str) -> str:
    return f"govassist:inbox:{conversation_id}"


async def push_web(redis: Redis, conversation_id: str, payload: list[dict[str, Any]]) -> None:
    """Live to an open socket if any, otherwise into the inbox the widget polls."""
    body = json.dumps(payload, ensure_ascii=False)
    if int(await redis.publish(push_channel(conversation_id), body)) == 0:
        await redis.rpush(inbox_key(conversation_id), body)
        await redis.expire(inbox_key(conversation_id), INBOX_TTL_S)


async def drain_inbox(redis: Redis, conversation_id: str) -> list[dict[str, Any]]:
    """Everything waiting in a web user's inbox, removed atomically."""
    pipe = redis.pipeline()
    pipe.lrange(inbox_key(conversation_id), 0, -1)
    pipe.delete(inbox_key(conversation_id))
    raw, _ = await pipe.execute()
    return [m for item in raw for m in json.loads(item)]


class CitizenNotifier:
    """Sends one text to a citizen on the channel their conversation is on."""

    def __init__(self, store: ConversationStore, wechat_sender: Any) -> None:
        self.store = store
        self.wechat = wechat_sender

    async def notify(
        self, conversation_id: str, message: OutboundMessage, role: str = "agent"
    ) -> str:
        """Deliver, then record in the history (a failed try raises and records nothing, so
        retries add no duplicate lines); returns how it was delivered."""
        channel, _, user = conversation_id.partition(":")
        how = "history"
        if channel == "wechat":
            how = str(await self.wechat.send_async(user, message.text, message.link))
        elif channel == "web":
            await push_web(
                self.store.redis, conversation_id, [{"role": role, **message.model_dump()}]
            )
            how = "web"
        else:
            log.info("push.unsupported_channel", extra={"ctx_channel": channel})
        await self.store.append_history(conversation_id, role, message.text, {"link": message.link})
        return how
