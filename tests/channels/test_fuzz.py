"""Fuzzing (hypothesis) of every citizen-text input of the gateway: never a 5xx.

WeChat: random, garbled and hostile XML, random MsgType, huge fields and control characters,
signed correctly (plain and 安全模式) so that the body is really parsed; the answer is a valid
WeChat reply or a clear 4xx. Chat inputs: the web REST chat body, hotline utterances and ticket
texts (direct and from a hotline draft). Rasa is down in these gateways: the polite path.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

import xmltodict
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wechatpy.crypto import WeChatCrypto

from tests.channels.conftest import AES_KEY, APP_ID, TOKEN

AUTH = {"Authorization": "Bearer agent-dev-token"}
FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
MSG_TYPES = ["text", "voice", "image", "event", "location", "link", "video", "shortvideo", "file"]
EVENTS = ["subscribe", "unsubscribe", "CLICK", "click", "VIEW", "SCAN", "LOCATION", ""]
HOSTILE = [
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">'
    '<!ENTITY c "&b;&b;&b;&b;&b;">]><xml><Content>&c;</Content></xml>',
    '<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><Content>&xxe;</Content></xml>',
    '<xml xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="file:///etc/passwd"/></xml>',
    "<xml><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[a]]]]><![CDATA[>]]></Content></xml>",
    "<xml>" + "<a>" * 5000 + "</a>" * 5000 + "</xml>",
    "<xml><FromUserName><![CDATA[a]]&gt;<x/>]]></FromUserName></xml>",
    "\ufeff<xml><MsgType>text</MsgType></xml>",
    "",
]

# text with control characters, XML metacharacters, CDATA terminators, emoji and CJK
hostile_text = st.lists(
    st.one_of(
        st.text(alphabet=st.characters(codec="utf-8"), max_size=8),
        st.sampled_from(["]]>", "<", "&", "\x00", "\x08", "\x1b", "\u202e", "火灾", "<![CDATA["]),
    ),
    max_size=8,
).map("".join)
field_text = st.one_of(hostile_text, st.text(min_size=3000, max_size=3000), st.just(""))


def _cdata(value: str) -> str:
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


@st.composite
def wechat_xml(draw: st.DrawFn) -> str:
    """A WeChat-shaped message whose fields may be anything."""
    fields: dict[str, str] = {
        "ToUserName": _cdata(draw(st.sampled_from(["gh_city", ""]) | hostile_text)),
        "FromUserName": _cdata(
            draw(st.from_regex(r"\Ao[A-Za-z0-9_-]{10,28}\Z") | hostile_text | field_text)
        ),
        "CreateTime": draw(
            st.sampled_from([str(int(time.time())), "-1", "abc", "", "9" * 30])
            | st.integers().map(str)
        ),
        "MsgType": _cdata(draw(st.sampled_from(MSG_TYPES) | hostile_text)),
        "MsgId": draw(st.integers(min_value=-(2**70), max_value=2**70).map(str) | hostile_text),
        "Content": _cdata(draw(field_text)),
        "Event": _cdata(draw(st.sampled_from(EVENTS))),
        "EventKey": _cdata(draw(st.sampled_from(["ASK:社保卡", "", "ASK:"]) | hostile_text)),
        "Recognition": _cdata(draw(field_text)),
        "Location_X": draw(st.sampled_from(["23.1", "x", ""])),
    }
    keep = draw(st.lists(st.sampled_from(sorted(fields)), unique=True, min_size=0))
    body = "".join(f"<{k}>{fields[k]}</{k}>" for k in keep)
    if draw(st.booleans()):  # a huge field beyond WeChat's limits
        body += f"<Content>{'长' * draw(st.sampled_from([2100, 30000]))}</Content>"
    return f"<xml>{body}</xml>"


any_body = st.one_of(
    wechat_xml(),
    st.sampled_from(HOSTILE),
    st.binary(max_size=300).map(lambda b: b.decode("latin-1")),
    hostile_text,
)


def _signed(nonce: str = "fuzz") -> tuple[str, str]:
    ts = str(int(time.time()))
    signature = hashlib.sha1("".join(sorted([TOKEN, ts, nonce])).encode()).hexdigest()
    return f"signature={signature}&timestamp={ts}&nonce={nonce}", ts


def _valid_plain_reply(response: Any) -> None:
    if response.text == "success":
        return
    reply = xmltodict.parse(response.text)["xml"]
    assert reply["MsgType"] == "text" and reply["Content"], response.text
    assert reply["ToUserName"] is not None and reply["FromUserName"] is not None


def _check(response: Any) -> None:
    assert response.status_code < 500, (response.status_code, response.text[:300])
    if response.status_code >= 400:
        detail = response.json()["detail"]
        assert detail, "a 4xx must say why"


@FUZZ
@given(body=any_body)
def test_wechat_plain_mode_never_fails(_gateway: TestClient, body: str) -> None:
    query, _ = _signed()
    response = _gateway.post(f"/wechat?{query}", content=body.encode("utf-8", "surrogatepass"))
    _check(response)
    if response.status_code == 200:
        _valid_plain_reply(response)


@FUZZ
@given(inner=st.one_of(wechat_xml(), st.sampled_from(HOSTILE)), garble=st.booleans())
def test_wechat_encrypted_mode_never_fails(
    _aes_gateway: TestClient, inner: str, garble: bool
) -> None:
    crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
    query, ts = _signed("n-aes")
    if garble:  # correctly signed, but the ciphertext is not ours
        encrypt = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo" + inner[:20].encode().hex()
        envelope = (
            f"<xml><ToUserName>gh_city</ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
        )
    else:
        envelope = crypto.encrypt_message(inner, "n-aes", ts)
        encrypt = xmltodict.parse(envelope)["xml"]["Encrypt"]
    signature = hashlib.sha1("".join(sorted([TOKEN, ts, "n-aes", encrypt])).encode()).hexdigest()
    response = _aes_gateway.post(
        f"/wechat?{query}&encrypt_type=aes&msg_signature={signature}", content=envelope.encode()
    )
    _check(response)
    if response.status_code == 200 and response.text != "success":
        reply = xmltodict.parse(response.text)["xml"]
        plain = crypto.decrypt_message(
            response.text, reply["MsgSignature"], reply["TimeStamp"], reply["Nonce"]
        )
        assert xmltodict.parse(plain)["xml"]["MsgType"] == "text"


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | hostile_text,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(hostile_text, children, max_size=3)
    ),
    max_leaves=8,
)


def _body(keys: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """A JSON body shaped like the real one (fields may be missing or of any type), or anything."""
    shaped = st.fixed_dictionaries({}, optional={k: v | json_values for k, v in keys.items()})
    return st.one_of(shaped, json_values)


@FUZZ
@given(body=_body({"sender_id": hostile_text, "text": field_text}))
def test_web_chat_body_never_fails(_gateway: TestClient, body: Any) -> None:
    response = _gateway.post("/api/chat", json=body)
    _check(response)
    if response.status_code == 200:
        assert isinstance(response.json()["messages"], list)


@FUZZ
@given(
    body=_body({"speaker": st.sampled_from(["caller", "agent"]), "text": field_text}),
    raw=st.binary(max_size=50),
)
def test_hotline_utterance_body_never_fails(_gateway: TestClient, body: Any, raw: bytes) -> None:
    call = _gateway.post("/api/hotline/calls", json={}, headers=AUTH).json()["call_id"]
    url = f"/api/hotline/calls/{call}/utterances"
    _check(_gateway.post(url, json=body, headers=AUTH))
    _check(_gateway.post(url, content=raw, headers={**AUTH, "content-type": "application/json"}))


@settings(FUZZ, max_examples=25)
@given(
    body=_body(
        {
            "text": field_text,
            "channel": st.sampled_from(["web", "wechat", "hotline", "api", "fax"]),
            "sender_id": hostile_text,
            "location": hostile_text,
            "contact": hostile_text,
        }
    ),
    draft=_body({"summary": field_text, "location": hostile_text, "contact": hostile_text}),
)
def test_ticket_text_never_fails(_gateway: TestClient, body: Any, draft: Any) -> None:
    response = _gateway.post("/api/feedback", json=body)
    _check(response)
    if response.status_code < 300:
        assert json.dumps(response.json())  # a ticket came back
    call = _gateway.post("/api/hotline/calls", json={}, headers=AUTH).json()["call_id"]
    _check(_gateway.post(f"/api/hotline/calls/{call}/ticket", json=draft, headers=AUTH))


def test_wechat_message_without_its_official_account_is_refused(_gateway: TestClient) -> None:
    query, _ = _signed()
    body = (
        "<xml><ToUserName><![CDATA[]]></ToUserName>"
        "<FromUserName><![CDATA[om8LnfPA-50-7m0LkfnKAESd1o4o7]]></FromUserName>"
        "<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        "<Content><![CDATA[你好]]></Content><MsgId>1</MsgId></xml>"
    )
    response = _gateway.post(f"/wechat?{query}", content=body.encode())
    assert response.status_code == 400 and "ToUserName" in response.json()["detail"]
