"""Hotline agent assist: call sessions, streamed utterances, auth, live events, extraction."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from channels.hotline.extract import extract_location, extract_phone, summarize

AUTH = {"Authorization": "Bearer agent-dev-token"}


def open_call(client: TestClient) -> str:
    response = client.post(
        "/api/hotline/calls", json={"caller_number": "13812345678"}, headers=AUTH
    )
    assert response.status_code == 201
    return str(response.json()["call_id"])


def test_agent_endpoints_require_the_agent_token(client: TestClient) -> None:
    assert client.post("/api/hotline/calls", json={}).status_code == 401
    assert (
        client.post(
            "/api/hotline/calls", json={}, headers={"Authorization": "Bearer wrong"}
        ).status_code
        == 401
    )
    assert client.get("/api/agent/handoffs").status_code == 401
    assert client.get("/api/hotline/suggestions/report").status_code == 401


def test_utterances_are_recorded_and_caller_turns_get_an_assist_result(client: TestClient) -> None:
    call_id = open_call(client)
    agent = client.post(
        f"/api/hotline/calls/{call_id}/utterances",
        json={"speaker": "agent", "text": "您好，12345"},
        headers=AUTH,
    )
    assert agent.status_code == 200 and agent.json() is None
    caller = client.post(
        f"/api/hotline/calls/{call_id}/utterances",
        json={"speaker": "caller", "text": "我家楼下有人晕倒了"},
        headers=AUTH,
    )
    result = caller.json()
    assert (
        result["call_id"] == call_id
        and result["intent"] == "emergency"
        and "120" in result["emergency"]
    )
    transcript = client.get(f"/api/hotline/calls/{call_id}", headers=AUTH).json()["transcript"]
    assert [t["speaker"] for t in transcript] == ["agent", "caller"]


def test_live_events_stream_every_utterance(client: TestClient) -> None:
    call_id = open_call(client)
    client.post(
        f"/api/hotline/calls/{call_id}/utterances",
        json={"speaker": "caller", "text": "你好"},
        headers=AUTH,
    )
    body = client.get(f"/api/hotline/calls/{call_id}/events?once=true", headers=AUTH).text
    events = [json.loads(line[6:]) for line in body.splitlines() if line.startswith("data: ")]
    assert events and events[0]["speaker"] == "caller" and "result" in events[0]


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({"speaker": "robot", "text": "x"}, 422),
        ({"speaker": "caller", "text": "   "}, 422),
        ({"speaker": "caller", "text": "长" * 2001}, 422),
        ({"speaker": "caller"}, 422),
    ],
)
def test_bad_utterances_get_a_422_with_a_reason(
    client: TestClient, payload: dict[str, object], status: int
) -> None:
    call_id = open_call(client)
    response = client.post(f"/api/hotline/calls/{call_id}/utterances", json=payload, headers=AUTH)
    assert response.status_code == status and response.json()["detail"]


def test_unknown_call_is_404(client: TestClient) -> None:
    response = client.post(
        "/api/hotline/calls/C000/utterances",
        json={"speaker": "caller", "text": "你好"},
        headers=AUTH,
    )
    assert response.status_code == 404


def test_suggestion_feedback_is_reported(client: TestClient) -> None:
    for verdict, question in [
        ("used", ""),
        ("not_helpful", "外地医保怎么报销"),
        ("not_helpful", "狗证怎么年检"),
    ]:
        response = client.post(
            "/api/hotline/suggestions/feedback",
            headers=AUTH,
            json={"guide_id": "YB-003", "verdict": verdict, "question": question},
        )
        assert response.status_code == 204
    report = client.get("/api/hotline/suggestions/report", headers=AUTH).json()
    assert report["guides"]["YB-003"] == {"used": 1, "not_helpful": 2}
    assert report["questions_lacking_good_answers"] == ["外地医保怎么报销", "狗证怎么年检"]


@pytest.mark.parametrize(
    ("text", "location", "phone"),
    [
        (
            "我家在东城区幸福小区3栋门口，路灯坏了一个星期了，电话13812345678",
            "东城区幸福小区3栋门口",
            "13812345678",
        ),
        ("人民路和中山路交叉口有个大坑", "人民路与中山路交叉口", None),
        ("你们打我电话 139 1234 5678 就行", None, "13912345678"),
        ("我想问问居住证怎么办", None, None),
    ],
)
def test_location_and_phone_extraction(text: str, location: str | None, phone: str | None) -> None:
    assert extract_location(text) == location
    assert extract_phone(text) == phone


def test_summary_is_bounded() -> None:
    assert (
        summarize(["喂你好", "我要投诉", "楼下烧烤店天天营业到凌晨"])
        == "喂你好，我要投诉，楼下烧烤店天天营业到凌晨"
    )
    assert len(summarize(["字" * 500])) == 201


def test_polling_clients_get_only_new_events(client: TestClient) -> None:
    call_id = open_call(client)
    url = f"/api/hotline/calls/{call_id}/utterances"
    client.post(url, json={"speaker": "agent", "text": "您好"}, headers=AUTH)
    first = client.get(f"/api/hotline/calls/{call_id}/events?once=true", headers=AUTH).text
    last_id = [line[4:] for line in first.splitlines() if line.startswith("id: ")][-1]
    client.post(url, json={"speaker": "agent", "text": "请讲"}, headers=AUTH)
    events = f"/api/hotline/calls/{call_id}/events?once=true&after={last_id}"
    body = client.get(events, headers=AUTH).text
    texts = [
        json.loads(line[6:])["text"] for line in body.splitlines() if line.startswith("data: ")
    ]
    assert texts == ["请讲"]
    bad = client.get(f"/api/hotline/calls/{call_id}/events?once=true&after=x", headers=AUTH)
    assert bad.status_code == 422


def submit_draft(client: TestClient, **draft: object) -> dict[str, object]:
    call_id = open_call(client)
    body = {"summary": "小区门口的路灯坏了一个星期，晚上很黑", "location": "幸福小区", **draft}
    response = client.post(f"/api/hotline/calls/{call_id}/ticket", json=body, headers=AUTH)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_submitted_draft_keeps_the_agents_kind_and_department(client: TestClient) -> None:
    routed = submit_draft(client, kind="complaint", department="")
    assert routed["kind"] == "complaint" and routed["department"] != "市公安局"
    edited = submit_draft(client, kind="suggestion", department="市公安局")
    assert edited["kind"] == "suggestion" and edited["department"] == "市公安局"
    by_code = submit_draft(client, kind="report", department="police")
    assert by_code["kind"] == "report" and by_code["department"] == "市公安局"


def test_draft_with_an_unknown_department_is_refused(client: TestClient) -> None:
    call_id = open_call(client)
    response = client.post(
        f"/api/hotline/calls/{call_id}/ticket",
        json={"kind": "complaint", "department": "火星管理局", "summary": "路灯坏了很久"},
        headers=AUTH,
    )
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "department"] and "火星管理局" in error["msg"]


def test_utterances_over_max_message_chars_get_a_422(short_client: TestClient) -> None:
    call_id = open_call(short_client)
    url = f"/api/hotline/calls/{call_id}/utterances"
    over = short_client.post(url, json={"speaker": "caller", "text": "问" * 21}, headers=AUTH)
    assert over.status_code == 422 and "最多20个字" in over.json()["detail"][0]["msg"]
    at_limit = short_client.post(url, json={"speaker": "agent", "text": "问" * 20}, headers=AUTH)
    assert at_limit.status_code == 200
