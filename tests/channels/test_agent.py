"""Hand-off to a human: the bot stays quiet, the agent replies to the citizen, then releases."""

from __future__ import annotations

import asyncio

import redis
from fastapi.testclient import TestClient

from channels.conversation_store import ConversationStore
from tests.channels.conftest import REDIS_URL
from tests.channels.stubs import WeChatApiStub

AUTH = {"Authorization": "Bearer agent-dev-token"}


def start_handoff(conversation_id: str, channel: str) -> None:
    from redis.asyncio import Redis

    async def go() -> None:
        client = Redis.from_url(REDIS_URL)
        await ConversationStore(client).start_handoff(conversation_id, channel, "市民要求转人工")
        await client.aclose()

    asyncio.run(go())


def test_web_handoff_reply_and_release(client: TestClient, redis_client: redis.Redis) -> None:
    start_handoff("web:citizenA", "web")
    quiet = client.post("/api/chat", json={"sender_id": "citizenA", "text": "人工客服在吗"})
    assert quiet.json()["messages"] == []  # the bot stays quiet while a human has the conversation
    queue = client.get("/api/agent/handoffs", headers=AUTH).json()["handoffs"]
    assert queue[0]["conversation_id"] == "web:citizenA"
    assert any(t["text"] == "人工客服在吗" for t in queue[0]["history"])
    sent = client.post(
        "/api/agent/handoffs/web:citizenA/reply",
        json={"text": "您好，我是12345客服小王"},
        headers=AUTH,
    )
    assert sent.status_code == 202 and sent.json()["delivered_via"] == "web"
    waiting = client.get("/api/chat/poll", params={"sender_id": "citizenA"}).json()["messages"]
    assert waiting[0]["text"] == "您好，我是12345客服小王"
    assert client.post("/api/agent/handoffs/web:citizenA/release", headers=AUTH).status_code == 200
    assert client.get("/api/agent/handoffs", headers=AUTH).json()["handoffs"] == []
    history = client.get("/api/chat/history", params={"sender_id": "citizenA"}).json()["turns"]
    assert [t["role"] for t in history][-2:] == ["agent", "bot"]
    again = client.post(
        "/api/agent/handoffs/web:citizenA/reply", json={"text": "还在吗"}, headers=AUTH
    )
    assert again.status_code == 409


def test_wechat_handoff_reply_goes_through_customer_service(
    client: TestClient, wechat_stub: WeChatApiStub, redis_client: redis.Redis
) -> None:
    redis_client.set("govassist:wechat:last_seen:oAgentUser", 1)
    start_handoff("wechat:oAgentUser", "wechat")
    sent = client.post(
        "/api/agent/handoffs/wechat:oAgentUser/reply",
        json={"text": "您反映的问题已记录"},
        headers=AUTH,
    )
    assert sent.json()["delivered_via"] == "customer_service"
    last = wechat_stub.state.messages[-1]
    assert last["touser"] == "oAgentUser" and last["text"]["content"] == "您反映的问题已记录"


def test_bad_conversation_ids_are_rejected(client: TestClient) -> None:
    response = client.post("/api/agent/handoffs/../etc/reply", json={"text": "x"}, headers=AUTH)
    assert response.status_code in (404, 422)
    assert (
        client.post("/api/agent/handoffs/sms:1/reply", json={"text": "x"}, headers=AUTH).status_code
        == 422
    )
