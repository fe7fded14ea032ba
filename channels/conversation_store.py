"""Per-conversation state the gateway keeps in Redis: history, hand-off, rate limit, dedupe.

History turns hold what citizens typed (ID numbers, phones, addresses): with a cipher each is
stored as `{"ts": …, "enc": <Fernet token of the turn>}`, only the time in clear (retention reads
it); turns written without encryption are still read."""

from __future__ import annotations

import json
import time
from typing import Any

from redis.asyncio import Redis

from channels.messages import OutboundMessage
from feedback.privacy import Cipher

HISTORY_LIMIT = 200
PREFIX = "govassist"


class ConversationStore:
    """Thin typed layer over the Redis keys shared by every gateway instance."""

    def __init__(self, redis: Redis, cipher: Cipher | None = None) -> None:
        self.redis = redis
        self.cipher = cipher  # encrypts history turns at rest (None: plaintext, tests only)

    async def first_time(self, msg_id: str, ttl_s: int = 60) -> bool:
        """True the first time a channel message id is seen (WeChat retries the same MsgId)."""
        return bool(await self.redis.set(f"{PREFIX}:msg:{msg_id}", "1", nx=True, ex=ttl_s))

    async def allow(self, conversation_id: str, per_minute: int) -> bool:
        """Fixed-window rate limit per channel user."""
        key = f"{PREFIX}:rate:{conversation_id}:{int(time.time() // 60)}"
        count = await self.redis.incr(key)
        if count == 1:
            await self.redis.expire(key, 120)
        return int(count) <= per_minute

    async def append_history(
        self, conversation_id: str, role: str, text: str, extra: dict[str, Any] | None = None
    ) -> None:
        """Record one turn (role: user, bot or agent) for reload and for the agent console."""
        turn = {"role": role, "text": text, "ts": time.time(), **(extra or {})}
        entry = json.dumps(turn, ensure_ascii=False)
        if self.cipher is not None:
            entry = json.dumps({"ts": turn["ts"], "enc": self.cipher.encrypt(entry)})
        key = f"{PREFIX}:history:{conversation_id}"
        await self.redis.rpush(key, entry)
        await self.redis.ltrim(key, -HISTORY_LIMIT, -1)
        await self.redis.expire(key, 7 * 24 * 3600)

    async def append_bot(self, conversation_id: str, messages: list[OutboundMessage]) -> None:
        for message in messages:
            await self.append_history(
                conversation_id,
                "bot",
                message.text,
                {"buttons": [b.model_dump() for b in message.buttons], "link": message.link},
            )

    async def history(self, conversation_id: str) -> list[dict[str, Any]]:
        raw = await self.redis.lrange(f"{PREFIX}:history:{conversation_id}", 0, -1)
        return [turn for item in raw if (turn := self._turn(item)) is not None]

    def _turn(self, item: bytes | str) -> dict[str, Any] | None:
        """One stored turn; None when it cannot be read (another SECRET_KEY, damaged)."""
        try:
            turn = json.loads(item)
            if "enc" in turn:
                if self.cipher is None:
                    return None
                turn = json.loads(self.cipher.decrypt(turn["enc"]))
        except (ValueError, TypeError):
            return None
        return turn if isinstance(turn, dict) else None

    async def handoff(self, conversation_id: str) -> dict[str, Any] | None:
        """The hand-off record if a human agent has this conversation."""
        raw = await self.redis.get(f"{PREFIX}:handoff:{conversation_id}")
        return json.loads(raw) if raw else None

    async def start_handoff(self, conversation_id: str, channel: str, reason: str) -> None:
        record = json.dumps(
            {"channel": channel, "reason": reason, "since": time.time()}, ensure_ascii=False
        )
        if await self.redis.set(f"{PREFIX}:handoff:{conversation_id}", record, nx=True):
            await self.redis.rpush(f"{PREFIX}:handoff:queue", conversation_id)

    async def release_handoff(self, conversation_id: str) -> None:
        await self.redis.delete(f"{PREFIX}:handoff:{conversation_id}")
        await self.redis.lrem(f"{PREFIX}:handoff:queue", 0, conversation_id)

    async def handoff_queue(self) -> list[str]:
        return [
            x.decode() if isinstance(x, bytes) else str(x)
            for x in await self.redis.lrange(f"{PREFIX}:handoff:queue", 0, -1)
        ]
