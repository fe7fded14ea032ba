"""Ticket notices reach citizens at least once: ack after delivery, reclaim from dead gateways.

Real Redis (db 13, apart from the gateway fixtures' db 4 whose running gateway would consume the
stream) and the WeChat API stub; a WeChat API that cannot be reached stands for a failed delivery.
"""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator, Iterator

import pytest
import redis
from redis.asyncio import Redis

from channels.conversation_store import ConversationStore
from channels.notifications import GROUP, MAX_DELIVERIES, STREAM, deliver_once, ensure_group
from channels.push import CitizenNotifier, inbox_key
from channels.wechat.api_client import WeChatSender
from tests.channels.conftest import APP_ID, APP_SECRET
from tests.channels.stubs import WeChatApiStub
from tests.conftest import REDIS_BASE_URL

REDIS_URL = f"{REDIS_BASE_URL}/13"
OPENID = "oNotice0000000000001"


@pytest.fixture
def sync_redis() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    client.flushdb()
    yield client
    client.flushdb()


@pytest.fixture
async def async_redis(sync_redis: redis.Redis) -> AsyncIterator[Redis]:
    client = Redis.from_url(REDIS_URL)
    yield client
    await client.aclose()


def _notifier(redis_: Redis, api_base: str) -> CitizenNotifier:
    sender = WeChatSender(api_base, APP_ID, APP_SECRET, REDIS_URL)
    sender.note_user_message(OPENID)  # inside the 48-hour window: a customer-service message
    return CitizenNotifier(ConversationStore(redis_), sender)


def _dead_api() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def _notice(client: redis.Redis, channel: str, sender: str, ticket: str) -> None:
    fields = {
        "channel": channel,
        "sender_id": sender,
        "ticket_id": ticket,
        "text": f"{ticket}已答复",
    }
    client.xadd(STREAM, fields)


async def _notice_lines(client: Redis, ticket: str) -> int:
    history = await ConversationStore(client).history(f"wechat:{OPENID}")
    return sum(ticket in turn.get("text", "") for turn in history)


def _pending(client: redis.Redis) -> int:
    return int(client.xpending(STREAM, GROUP)["pending"])


@pytest.mark.anyio
async def test_a_failed_delivery_is_not_acknowledged_and_is_tried_again(
    sync_redis: redis.Redis, async_redis: Redis, wechat_stub: WeChatApiStub
) -> None:
    await ensure_group(async_redis)
    _notice(sync_redis, "wechat", OPENID, "GD202611230001")
    down = _notifier(async_redis, _dead_api())
    assert await deliver_once(async_redis, down, "gw-1", block_ms=10) == 0
    assert _pending(sync_redis) == 1  # kept: the WeChat API did not take it
    for _ in range(2):  # more failed tries leave no line in the history either
        assert await deliver_once(async_redis, down, "gw-1", block_ms=10, claim_idle_ms=0) == 0
    assert await _notice_lines(async_redis, "GD202611230001") == 0

    sent_before = len(wechat_stub.state.messages)
    up = _notifier(async_redis, wechat_stub.base_url)
    assert await deliver_once(async_redis, up, "gw-1", block_ms=10, claim_idle_ms=0) == 1
    assert _pending(sync_redis) == 0
    sent = wechat_stub.state.messages[sent_before:]
    assert [m["touser"] for m in sent] == [OPENID]
    assert "GD202611230001" in sent[0]["text"]["content"]
    assert await _notice_lines(async_redis, "GD202611230001") == 1  # one line, not one per try


@pytest.mark.anyio
async def test_a_notice_failing_max_deliveries_times_is_given_up_and_acknowledged(
    sync_redis: redis.Redis, async_redis: Redis
) -> None:
    await ensure_group(async_redis)
    _notice(sync_redis, "wechat", OPENID, "GD202611230004")
    _notice(sync_redis, "wechat", OPENID, "GD202611230005")
    entries = sync_redis.xreadgroup(GROUP, "gw-dead", {STREAM: ">"}, count=10)[0][1]
    exhausted, fresh = entries[0][0], entries[1][0]
    # the first has already been tried MAX_DELIVERIES - 1 times; claiming counts one more
    sync_redis.xclaim(STREAM, GROUP, "gw-dead", 0, [exhausted], retrycount=MAX_DELIVERIES - 1)
    down = _notifier(async_redis, _dead_api())
    assert await deliver_once(async_redis, down, "gw-1", block_ms=10, claim_idle_ms=0) == 0
    still = {p["message_id"] for p in sync_redis.xpending_range(STREAM, GROUP, "-", "+", 10)}
    assert still == {fresh}, "the exhausted notice is dropped, the other kept for a retry"


@pytest.mark.anyio
async def test_notices_left_pending_by_a_dead_gateway_are_reclaimed(
    sync_redis: redis.Redis, async_redis: Redis, wechat_stub: WeChatApiStub
) -> None:
    await ensure_group(async_redis)
    _notice(sync_redis, "web", "visitor-1", "GD202611230002")
    # A gateway read it and died before delivering (SIGKILL between XREADGROUP and delivery).
    sync_redis.xreadgroup(GROUP, "gw-dead", {STREAM: ">"}, count=10)
    notifier = _notifier(async_redis, wechat_stub.base_url)

    assert await deliver_once(async_redis, notifier, "gw-alive", block_ms=10) == 0
    assert _pending(sync_redis) == 1  # not idle long enough yet: its owner may still be working

    assert await deliver_once(async_redis, notifier, "gw-alive", block_ms=10, claim_idle_ms=0) == 1
    assert _pending(sync_redis) == 0
    inbox = [
        m for raw in sync_redis.lrange(inbox_key("web:visitor-1"), 0, -1) for m in json.loads(raw)
    ]
    assert [m["text"] for m in inbox] == ["GD202611230002已答复"]


@pytest.mark.anyio
async def test_notices_for_channels_without_push_are_acknowledged_without_delivery(
    sync_redis: redis.Redis, async_redis: Redis, wechat_stub: WeChatApiStub
) -> None:
    await ensure_group(async_redis)
    _notice(sync_redis, "hotline", "caller-1", "GD202611230003")
    notifier = _notifier(async_redis, wechat_stub.base_url)
    assert await deliver_once(async_redis, notifier, "gw-1", block_ms=10) == 0
    assert _pending(sync_redis) == 0
