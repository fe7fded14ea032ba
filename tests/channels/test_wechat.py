"""The WeChat official-account server speaks the real protocol (through wechatpy)."""

from __future__ import annotations

import hashlib
import logging
import time

import pytest
import redis
import xmltodict
from fastapi.testclient import TestClient
from wechatpy.crypto import WeChatCrypto

from channels.conversation_store import ConversationStore
from channels.messages import OutboundMessage
from channels.wechat import router as wechat_router
from channels.wechat.api_client import WeChatSender
from channels.wechat.render import render_text, split_utf8
from tests.channels.conftest import AES_KEY, APP_ID, APP_SECRET, REDIS_URL, TOKEN
from tests.channels.stubs import RasaNluStub, WeChatApiStub


def signed(nonce: str = "nonce1") -> str:
    ts = str(int(time.time()))
    signature = hashlib.sha1("".join(sorted([TOKEN, ts, nonce])).encode()).hexdigest()
    return f"signature={signature}&timestamp={ts}&nonce={nonce}"


def text_xml(
    content: str, user: str = "oCitizen1", msg_id: int | None = None, kind: str = "text"
) -> bytes:
    body = (
        f"<Content><![CDATA[{content}]]></Content>"
        if kind == "text"
        else "<MediaId>m1</MediaId><Format>amr</Format>"
        f"<Recognition><![CDATA[{content}]]></Recognition>"
    )
    return (
        f"<xml><ToUserName><![CDATA[gh_city]]></ToUserName><FromUserName><![CDATA[{user}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[{kind}]]></MsgType>{body}"
        f"<MsgId>{msg_id or time.time_ns()}</MsgId></xml>"
    ).encode()


def reply_content(xml: str) -> str:
    return str(xmltodict.parse(xml)["xml"]["Content"])


def test_url_verification_echoes_and_checks_signature(client: TestClient) -> None:
    assert client.get(f"/wechat?{signed()}&echostr=abc123").text == "abc123"
    assert client.get("/wechat?signature=0&timestamp=1&nonce=2&echostr=abc").status_code == 403
    assert (
        client.post("/wechat?signature=0&timestamp=1&nonce=2", content=text_xml("你好")).status_code
        == 403
    )


def test_text_message_gets_a_passive_reply(client: TestClient) -> None:
    response = client.post(f"/wechat?{signed()}", content=text_xml("我家厨房着火了怎么办"))
    assert response.status_code == 200
    assert "119" in reply_content(response.text)


def test_rasa_down_gives_a_polite_reply_not_an_error(client: TestClient) -> None:
    response = client.post(f"/wechat?{signed()}", content=text_xml("居住证怎么办"))
    assert response.status_code == 200
    assert "12345" in reply_content(response.text)


def test_retries_with_the_same_msgid_are_handled_once(
    client: TestClient, redis_client: redis.Redis
) -> None:
    xml = text_xml("有人晕倒了", user="oRetry", msg_id=987654321)
    first = client.post(f"/wechat?{signed()}", content=xml)
    second = client.post(f"/wechat?{signed()}", content=xml)
    assert "120" in reply_content(first.text)
    assert second.text == "success"
    assert redis_client.llen("govassist:history:wechat:oRetry") == 2  # one user turn, one bot turn


def test_voice_recognition_is_answered_like_text(client: TestClient) -> None:
    response = client.post(f"/wechat?{signed()}", content=text_xml("有人抢劫", kind="voice"))
    assert "110" in reply_content(response.text)


@pytest.mark.parametrize(
    "body",
    [
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
        b"<xml><Content>&b;</Content></xml>",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b"<xml><Content>&e;</Content></xml>",
        b"<xml><MsgType>text</MsgType",
        b"\xff\xfe\x00binary",
        b"",
    ],
)
def test_hostile_or_malformed_xml_is_a_clear_400(client: TestClient, body: bytes) -> None:
    response = client.post(f"/wechat?{signed()}", content=body)
    assert response.status_code == 400
    assert response.json()["detail"]


def test_oversized_body_is_rejected(client: TestClient) -> None:
    response = client.post(f"/wechat?{signed()}", content=text_xml("长" * 40000))
    assert response.status_code == 413


def test_unknown_message_type_gets_a_polite_text(client: TestClient) -> None:
    xml = (
        f"<xml><ToUserName>gh</ToUserName><FromUserName>oImg</FromUserName><CreateTime>{int(time.time())}"
        "</CreateTime><MsgType>image</MsgType><PicUrl>http://x/y.jpg</PicUrl><MediaId>m</MediaId>"
        f"<MsgId>{time.time_ns()}</MsgId></xml>"
    ).encode()
    response = client.post(f"/wechat?{signed()}", content=xml)
    assert response.status_code == 200 and "文字" in reply_content(response.text)


def test_subscribe_event_gets_the_welcome(client: TestClient) -> None:
    xml = (
        f"<xml><ToUserName>gh</ToUserName><FromUserName>oNew</FromUserName><CreateTime>{int(time.time())}"
        "</CreateTime><MsgType>event</MsgType><Event>subscribe</Event></xml>"
    ).encode()
    assert "政务服务智能助手" in reply_content(client.post(f"/wechat?{signed()}", content=xml).text)


def test_encrypted_mode_round_trip(aes_client: TestClient) -> None:
    crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
    nonce, ts = "n2", str(int(time.time()))
    encrypted = crypto.encrypt_message(text_xml("小区里有人被困电梯").decode(), nonce, ts)
    fields = xmltodict.parse(encrypted)["xml"]
    query = f"{signed(nonce)}&encrypt_type=aes&msg_signature={fields['MsgSignature']}"
    response = aes_client.post(f"/wechat?{query}", content=encrypted.encode())
    assert response.status_code == 200
    reply = xmltodict.parse(response.text)["xml"]
    inner = crypto.decrypt_message(
        response.text, reply["MsgSignature"], reply["TimeStamp"], reply["Nonce"]
    )
    assert "119" in reply_content(inner)
    tampered = f"{signed(nonce)}&encrypt_type=aes&msg_signature=deadbeef"
    assert aes_client.post(f"/wechat?{tampered}", content=encrypted.encode()).status_code == 403


def test_slow_answer_is_acknowledged_then_sent_by_customer_service(
    client: TestClient, wechat_stub: WeChatApiStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(wechat_router, "REPLY_BUDGET_S", 0.0)
    before = len(wechat_stub.state.messages)
    response = client.post(f"/wechat?{signed()}", content=text_xml("有人晕倒了", user="oSlow"))
    assert response.text == "success"
    deadline = time.monotonic() + 5
    while len(wechat_stub.state.messages) == before and time.monotonic() < deadline:
        time.sleep(0.05)
    sent = wechat_stub.state.messages[before:]
    assert sent and sent[0]["kind"] == "customer_service" and sent[0]["touser"] == "oSlow"
    assert "120" in sent[0]["text"]["content"]


def test_sender_uses_template_outside_the_48h_window_and_refreshes_tokens(
    wechat_stub: WeChatApiStub, redis_client: redis.Redis
) -> None:
    sender = WeChatSender(wechat_stub.base_url, APP_ID, APP_SECRET, REDIS_URL, template_id="TPL1")
    assert sender.send("oQuiet", "您的工单已办结") == "template"
    sender.note_user_message("oActive")
    tokens = wechat_stub.state.tokens_issued
    wechat_stub.state.expire_next_call = (
        True  # the platform says the token expired: fetch a new one
    )
    assert sender.send("oActive", "您的工单已受理") == "customer_service"
    assert wechat_stub.state.tokens_issued == tokens + 1
    kinds = [(m["kind"], m["touser"]) for m in wechat_stub.state.messages[-2:]]
    assert kinds == [("template", "oQuiet"), ("customer_service", "oActive")]
    for _ in range(5):
        sender.send("oActive", "更多通知")
    assert sender.send("oActive", "第七条") == "template"  # at most 5 per user message


@pytest.mark.anyio
async def test_digit_answers_a_numbered_option(redis_client: redis.Redis) -> None:
    from redis.asyncio import Redis

    store = ConversationStore(Redis.from_url(REDIS_URL))
    await store.redis.set(
        "govassist:wechat:options:oOpt", '["/ask_service{\\"guide\\":\\"GA-001\\"}", "都不是"]'
    )
    assert (
        await wechat_router._resolve_option(store, "oOpt", "1") == '/ask_service{"guide":"GA-001"}'
    )
    assert await wechat_router._resolve_option(store, "oOpt", "2") == "都不是"
    assert await wechat_router._resolve_option(store, "oOpt", "9") == "9"
    await store.redis.aclose()


def test_notice_outside_the_window_without_template_id_is_undeliverable(
    wechat_stub: WeChatApiStub, redis_client: redis.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    sender = WeChatSender(wechat_stub.base_url, APP_ID, APP_SECRET, REDIS_URL, template_id="")
    before = len(wechat_stub.state.messages)
    with caplog.at_level(logging.WARNING, logger="govassist.wechat"):
        assert sender.send("oQuietUser42", "您的工单已办结") == "undeliverable"
    assert len(wechat_stub.state.messages) == before  # no send_template("") call
    record = next(r for r in caplog.records if r.getMessage() == "wechat.notice.undeliverable")
    assert record.ctx_openid == "oQui****42"  # type: ignore[attr-defined]
    assert "oQuietUser42" not in caplog.text


@pytest.fixture
def long_answering_rasa(rasa_stub: RasaNluStub) -> list[OutboundMessage]:
    """The gateway's Rasa answers one long message (five paragraphs of ~1 KB each)."""
    paragraphs = [f"第{i}段：" + "请携带身份证和户口簿原件办理。" * 24 for i in range(1, 6)]
    rasa_stub.state.replies = [{"text": "\n".join(paragraphs)}]
    return [OutboundMessage(text="\n".join(paragraphs), kind="answer")]


def test_long_answer_goes_out_as_customer_service_messages_in_order(
    client: TestClient,
    wechat_stub: WeChatApiStub,
    long_answering_rasa: list[OutboundMessage],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    chunks = split_utf8(render_text(long_answering_rasa)[0])
    assert len(chunks) == 5
    monkeypatch.setattr(wechat_stub.state, "send_delay_s", 0.2)  # parallel sends would overlap
    monkeypatch.setattr(wechat_stub.state, "max_in_flight", 0)
    before = len(wechat_stub.state.messages)
    response = client.post(f"/wechat?{signed()}", content=text_xml("居住证怎么办", user="oLong"))
    assert reply_content(response.text) == chunks[0]
    deadline = time.monotonic() + 10
    while len(wechat_stub.state.messages) < before + 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    sent = wechat_stub.state.messages[before:]
    assert [m["kind"] for m in sent] == ["customer_service"] * 4
    assert [m["text"]["content"] for m in sent] == chunks[1:]
    assert wechat_stub.state.max_in_flight == 1  # one after another, never side by side
