"""handle_turn: one citizen message through emergency, hand-off, rate limit and Rasa, to replies."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

from redis.exceptions import RedisError

from channels.conversation_store import ConversationStore
from channels.emergency import detect_emergency
from channels.exceptions import UpstreamError
from channels.messages import InboundMessage, OutboundMessage
from channels.metrics import GatewayMetrics
from channels.rasa_client import RasaClient
from channels.texts import Texts

log = logging.getLogger("govassist.channels")
# (channel, sender id, text) -> the reply when a package handles the message itself, else None
Interceptor = Callable[[str, str, str], Awaitable[str | None]]


class ConversationService:
    """The channel-independent part of every turn; adapters only translate protocols."""

    def __init__(
        self,
        store: ConversationStore,
        rasa: RasaClient,
        texts: Texts,
        rate_limit_per_minute: int,
        metrics: GatewayMetrics | None = None,
    ) -> None:
        self.metrics = metrics
        self.store = store
        self.rasa = rasa
        self.texts = texts
        self.rate_limit = rate_limit_per_minute
        # Asked in order before Rasa (e.g. feedback records "满意" replied to a ticket notice).
        self.interceptors: list[Interceptor] = []

    async def handle(self, message: InboundMessage, request_id: str = "") -> list[OutboundMessage]:
        """Replies for one inbound message (none while a human agent has the conversation)."""
        started = time.perf_counter()
        try:
            replies = await self._turn(message, request_id)
        except RedisError as exc:  # shared state is down: a polite "try again", never a 500
            log.error(
                "channel.redis.failed",
                extra={"ctx_error": exc.__class__.__name__, "ctx_request_id": request_id},
            )
            replies = [OutboundMessage(text=self.texts.busy, kind="error")]
        if self.metrics is not None:
            self.metrics.observe_turn(
                message.channel, time.perf_counter() - started, [r.kind for r in replies]
            )
        log.info(
            "channel.turn.completed",
            extra={
                "ctx_channel": message.channel,
                "ctx_conversation": message.conversation_id,
                "ctx_request_id": request_id,
                "ctx_replies": len(replies),
                "ctx_latency_ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
        return replies

    async def _turn(self, message: InboundMessage, request_id: str) -> list[OutboundMessage]:
        conv = message.conversation_id
        emergency = detect_emergency(message.text)
        if emergency is not None:  # before anything that may fail or wait (Redis, Rasa, hand-off)
            log.warning(
                "channel.emergency",
                extra={"ctx_number": emergency.number, "ctx_channel": message.channel},
            )
            replies = [OutboundMessage(text=emergency.text, kind="emergency")]
            try:  # the history is best effort here: the emergency number must go out regardless
                await self.store.append_history(conv, "user", message.text)
                await self.store.append_bot(conv, replies)
            except RedisError as exc:
                log.error("channel.redis.failed", extra={"ctx_error": exc.__class__.__name__})
            return replies
        await self.store.append_history(conv, "user", message.text)
        replies = await self._replies(message, request_id)
        await self.store.append_bot(conv, replies)
        return replies

    async def _replies(self, message: InboundMessage, request_id: str) -> list[OutboundMessage]:
        if await self.store.handoff(message.conversation_id) is not None:
            return []  # a human agent answers; the console shows the message from the history
        if not await self.store.allow(message.conversation_id, self.rate_limit):
            return [OutboundMessage(text=self.texts.rate_limited, kind="error")]
        for intercept in self.interceptors:
            reply = await intercept(message.channel, message.sender_id, message.text)
            if reply is not None:
                return [OutboundMessage(text=reply, kind="info")]
        try:
            replies = await self.rasa.send(message, request_id)
        except UpstreamError as exc:
            log.error(
                "channel.rasa.failed", extra={"ctx_error": str(exc), "ctx_request_id": request_id}
            )
            return [OutboundMessage(text=self.texts.busy, kind="error")]
        if replies:
            return replies
        if await self.store.handoff(message.conversation_id) is not None:
            return [OutboundMessage(text=self.texts.handoff_waiting, kind="handoff")]
        return [OutboundMessage(text=self.texts.no_reply, kind="error")]
