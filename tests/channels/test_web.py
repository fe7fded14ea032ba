"""The REST form of the web channel, its validation, history and metrics."""

from __future__ import annotations

import pytest
import redis
from fastapi.testclient import TestClient

from channels.app import create_app


def test_chat_replies_in_the_documented_shape(client: TestClient) -> None:
    response = client.post(
        "/api/chat", json={"sender_id": "shape-1", "text": "我晕倒在路边的邻居需要帮助"}
    )
    assert response.status_code == 200
    messages = response.json()["messages"]
    assert messages and set(messages[0]) == {"text", "buttons", "link"}
    assert "120" in messages[0]["text"]


def test_rasa_down_is_a_polite_message_not_a_500(client: TestClient) -> None:
    response = client.post("/api/chat", json={"sender_id": "down-1", "text": "公积金怎么提取"})
    assert response.status_code == 200
    assert "12345" in response.json()["messages"][0]["text"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"sender_id": "a"},
        {"text": "你好"},
        {"sender_id": "", "text": "你好"},
        {"sender_id": "a b", "text": "你好"},
        {"sender_id": "a", "text": "   "},
        {"sender_id": "a", "text": "长" * 2001},
        {"sender_id": "a", "text": 5},
        {"sender_id": "x" * 200, "text": "你好"},
    ],
)
def test_malformed_chat_requests_get_422_with_reasons(client: TestClient, body: dict) -> None:
    response = client.post("/api/chat", json=body)
    assert response.status_code == 422
    assert isinstance(response.json()["detail"], list) and response.json()["detail"]


def test_non_json_body_is_a_4xx(client: TestClient) -> None:
    response = client.post(
        "/api/chat", content=b"\x00\x01not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422


def test_history_and_feedback(client: TestClient) -> None:
    client.post("/api/chat", json={"sender_id": "hist-1", "text": "有人抢劫"})
    turns = client.get("/api/chat/history", params={"sender_id": "hist-1"}).json()["turns"]
    assert [t["role"] for t in turns] == ["user", "bot"] and "110" in turns[1]["text"]
    assert (
        client.post(
            "/api/chat/feedback", json={"sender_id": "hist-1", "answer": "x", "helpful": True}
        ).status_code
        == 204
    )
    assert client.get("/api/chat/history", params={"sender_id": "bad id"}).status_code == 422


def test_rate_limit_per_user(client: TestClient) -> None:
    limit = client.app.state.settings.rate_limit_per_minute  # type: ignore[attr-defined]
    codes = [
        client.post("/api/chat", json={"sender_id": "flood-1", "text": f"问题{i}"}).json()[
            "messages"
        ][0]["text"]
        for i in range(limit + 2)
    ]
    assert "太频繁" in codes[-1] and "太频繁" not in codes[0]


def test_websocket_chat(client: TestClient) -> None:
    with client.websocket_connect("/ws/chat?sender_id=sock-1") as ws:
        ws.send_json({"text": "着火了"})
        assert ws.receive_json() == {"type": "typing"}
        reply = ws.receive_json()
        assert reply["type"] == "messages" and "119" in reply["messages"][0]["text"]
        ws.send_text("not json")
        assert ws.receive_json()["type"] == "error"


def test_metrics_and_health(client: TestClient) -> None:
    client.post("/api/chat", json={"sender_id": "m-1", "text": "有人晕倒"})
    text = client.get("/metrics").text
    assert 'govassist_turns_total{channel="web",outcome="emergency"}' in text
    health = client.get("/healthz")
    assert health.status_code == 503 and health.json()["parts"]["rasa"] == "not ready"
    assert client.get("/livez").json() == {"status": "alive"}


def test_widget_and_demo_page_are_served(client: TestClient) -> None:
    assert "govassist-widget.js" in client.get("/").text
    js = client.get("/widget/govassist-widget.js")
    assert js.status_code == 200 and "isComposing" in js.text and "innerHTML" not in js.text


def test_emergency_is_answered_even_when_redis_is_down(
    wechat_stub: object, tmp_path: object
) -> None:
    from tests.channels.conftest import gateway_settings

    settings = gateway_settings(wechat_stub, tmp_path, redis_url="redis://127.0.0.1:9/0")  # type: ignore[arg-type]
    with TestClient(create_app(settings)) as down:
        fire = down.post("/api/chat", json={"sender_id": "fire-1", "text": "楼道着火了有人被困"})
        question = down.post("/api/chat", json={"sender_id": "fire-1", "text": "公积金怎么提取"})
    assert fire.status_code == 200 and "119" in fire.json()["messages"][0]["text"]
    assert question.status_code == 200 and "119" not in question.json()["messages"][0]["text"]


def test_rest_chat_refuses_messages_over_max_message_chars(short_client: TestClient) -> None:
    over = short_client.post("/api/chat", json={"sender_id": "long-1", "text": "问" * 21})
    assert over.status_code == 422
    error = over.json()["detail"][0]
    assert error["loc"] == ["body", "text"] and "最多20个字" in error["msg"]
    at_limit = short_client.post("/api/chat", json={"sender_id": "long-1", "text": "着火了" * 6})
    assert at_limit.status_code == 200


def test_websocket_chat_refuses_messages_over_max_message_chars(short_client: TestClient) -> None:
    with short_client.websocket_connect("/ws/chat?sender_id=long-2") as ws:
        ws.send_json({"text": "问" * 21})
        frame = ws.receive_json()
        assert frame["type"] == "error" and frame["max_chars"] == 20
        assert "最多20个字" in frame["message"]
        ws.send_json({"text": "着火了"})  # the socket stays usable
        assert ws.receive_json() == {"type": "typing"}
        assert "119" in ws.receive_json()["messages"][0]["text"]


def test_websocket_error_over_the_schema_ceiling_is_chinese(client: TestClient) -> None:
    with client.websocket_connect("/ws/chat?sender_id=long-3") as ws:
        ws.send_json({"text": "问" * 2001})
        assert "最多2000个字" in ws.receive_json()["message"]


@pytest.mark.parametrize("value", [0, -1, 2001])
def test_max_message_chars_is_validated(value: int) -> None:
    from pydantic import ValidationError

    from govassist.settings import Settings

    with pytest.raises(ValidationError, match="max_message_chars"):
        Settings(max_message_chars=value)


def test_public_routes_declare_typed_error_responses(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    declared = {
        ("/api/chat", "post"): {"403", "413", "422"},
        ("/api/chat/history", "get"): {"403", "422"},
        ("/api/chat/poll", "get"): {"403", "422"},
        ("/api/chat/feedback", "post"): {"403", "413", "422"},
        ("/wechat", "post"): {"400", "403", "413", "422"},
        ("/api/hotline/calls/{call_id}/utterances", "post"): {"401", "404", "413", "422"},
        ("/api/agent/handoffs/{conversation_id}/reply", "post"): {"401", "409", "413", "422"},
    }
    for (path, method), codes in declared.items():
        responses = schema["paths"][path][method]["responses"]
        assert codes <= set(responses), (path, method)
        for code in codes:
            ref = responses[code]["content"]["application/json"]["schema"]["$ref"]
            model = "ValidationErrorResponse" if code == "422" else "ErrorResponse"
            assert ref == f"#/components/schemas/{model}", (path, code)
    ours = ("/api/chat", "/api/hotline", "/api/agent/handoffs", "/api/agent/feedback", "/livez")
    untyped = [
        (path, method, code)
        for path, item in schema["paths"].items()
        if path.startswith(ours) or path == "/healthz"
        for method, operation in item.items()
        for code, response in operation["responses"].items()
        if code in ("200", "201", "202")
        and "application/json" in response.get("content", {})
        and "$ref" not in str(response["content"]["application/json"]["schema"])
    ]
    assert untyped == []  # every JSON body of these routes is a pydantic model


def test_error_bodies_match_the_declared_models(client: TestClient) -> None:
    from channels.errors import ErrorResponse, ValidationErrorResponse

    ValidationErrorResponse.model_validate(client.post("/api/chat", json={}).json())
    ErrorResponse.model_validate(client.get("/api/agent/handoffs").json())
    refused = client.post("/api/chat", json={}, headers={"Origin": "https://evil.example"})
    assert refused.status_code == 403
    ErrorResponse.model_validate(refused.json())


def test_history_is_encrypted_at_rest(client: TestClient, redis_client: redis.Redis) -> None:
    """What citizens type stays readable for them and the agent, but is ciphertext in Redis."""
    phone = "13955556666"
    client.post("/api/chat", json={"sender_id": "enc-1", "text": f"我的电话是{phone}"})
    raw = redis_client.lrange("govassist:history:web:enc-1", 0, -1)
    assert raw and all(b'"enc"' in item and phone.encode() not in item for item in raw)
    history = client.get("/api/chat/history", params={"sender_id": "enc-1"}).json()
    assert any(phone in turn["text"] for turn in history["turns"])
