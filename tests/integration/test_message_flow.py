"""One message through every part: gateway → Rasa → actions → search / tickets, on each channel."""

from __future__ import annotations

import hashlib
import re
import time

import httpx
import pytest
import xmltodict

from tests.integration.conftest import Stack

pytestmark = [pytest.mark.slow, pytest.mark.rasa]
AGENT = {"Authorization": "Bearer agent-dev-token"}


def chat(stack: Stack, sender: str, text: str) -> str:
    response = httpx.post(
        f"{stack.gateway.url}/api/chat", json={"sender_id": sender, "text": text}, timeout=60
    )
    assert response.status_code == 200, response.text
    messages = response.json()["messages"]
    return "\n".join(
        m["text"] + " ".join(b["title"] for b in m["buttons"]) + (m["link"] or "") for m in messages
    )


def test_question_follow_up_and_source(full_stack: Stack) -> None:
    first = chat(full_stack, "flow-ask", "请问暂住证怎么办理")
    assert "居住证申领" in first and "市公安局" in first
    assert "居民身份证" in chat(full_stack, "flow-ask", "那要带什么材料？")
    assert "免费" in chat(full_stack, "flow-ask", "收费吗")


def test_complaint_becomes_a_routed_ticket(full_stack: Stack) -> None:
    chat(full_stack, "flow-complain", "我要投诉")
    chat(full_stack, "flow-complain", "我家小区门口的路灯坏了一个星期，晚上很黑")
    chat(full_stack, "flow-complain", "东城区幸福小区")
    reply = chat(full_stack, "flow-complain", "不留了")
    match = re.search(r"GD\d{12}", reply)
    assert match, reply
    ticket = httpx.get(f"{full_stack.gateway.url}/api/tickets/{match.group(0)}", timeout=10).json()
    assert ticket["department"] == "市城市管理局" and ticket["status"] in ("派单", "人工派单")


def test_handoff_keeps_the_bot_quiet_until_released(full_stack: Stack) -> None:
    chat(full_stack, "flow-human", "转人工")
    queue = httpx.get(
        f"{full_stack.gateway.url}/api/agent/handoffs", headers=AGENT, timeout=10
    ).json()["handoffs"]
    assert any(h["conversation_id"] == "web:flow-human" for h in queue)
    quiet = httpx.post(
        f"{full_stack.gateway.url}/api/chat",
        json={"sender_id": "flow-human", "text": "居住证怎么办"},
        timeout=60,
    ).json()["messages"]
    assert quiet == []
    released = httpx.post(
        f"{full_stack.gateway.url}/api/agent/handoffs/web:flow-human/release",
        headers=AGENT,
        timeout=10,
    )
    assert released.status_code == 200
    assert "居住证" in chat(full_stack, "flow-human", "居住证怎么办")


def test_wechat_text_is_answered_from_the_knowledge_base(full_stack: Stack) -> None:
    token, ts, nonce = "govassist-wechat-token", str(int(time.time())), "n-int"
    signature = hashlib.sha1("".join(sorted([token, ts, nonce])).encode()).hexdigest()
    xml = (
        f"<xml><ToUserName>gh</ToUserName><FromUserName>oIntegration</FromUserName><CreateTime>{ts}</CreateTime>"
        f"<MsgType>text</MsgType><Content><![CDATA[社保卡丢了怎么补办]]></Content><MsgId>{time.time_ns()}</MsgId></xml>"
    )
    response = httpx.post(
        f"{full_stack.gateway.url}/wechat?signature={signature}&timestamp={ts}&nonce={nonce}",
        content=xml.encode(),
        timeout=30,
    )
    assert response.status_code == 200
    if response.text != "success":  # answered within WeChat's 5 s budget
        assert "社会保障卡" in xmltodict.parse(response.text)["xml"]["Content"]


def test_hotline_suggestions_and_complaint_draft(full_stack: Stack) -> None:
    url = full_stack.gateway.url
    call_id = httpx.post(f"{url}/api/hotline/calls", json={}, headers=AGENT, timeout=10).json()[
        "call_id"
    ]
    ask = httpx.post(
        f"{url}/api/hotline/calls/{call_id}/utterances",
        headers=AGENT,
        timeout=30,
        json={"speaker": "caller", "text": "我想问一下公积金租房怎么提取"},
    ).json()
    assert ask["suggestions"][0]["title"] == "租房提取住房公积金"
    complaint = httpx.post(
        f"{url}/api/hotline/calls/{call_id}/utterances",
        headers=AGENT,
        timeout=30,
        json={
            "speaker": "caller",
            "text": "另外我要投诉，建设路工地每天晚上十二点还在施工，吵得睡不着",
        },
    ).json()
    draft = complaint["ticket_draft"]
    assert draft and draft["department"] == "市城市管理局" and "建设路" in (draft["location"] or "")
    submitted = httpx.post(
        f"{url}/api/hotline/calls/{call_id}/ticket",
        headers=AGENT,
        timeout=30,
        json={
            "kind": draft["kind"],
            "department": draft["department"],
            "summary": draft["summary"],
            "location": draft["location"],
            "contact": None,
        },
    )
    assert submitted.status_code == 201 and submitted.json()["ticket_id"].startswith("GD")
