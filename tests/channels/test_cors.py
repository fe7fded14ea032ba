"""CORS on the citizen endpoints only: an allowed portal may embed the widget; others refused."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from starlette.websockets import WebSocketDisconnect

from govassist.settings import Settings
from tests.channels.conftest import PORTAL

EVIL = "https://evil.example.com"
AUTH = {"Authorization": "Bearer agent-dev-token"}
PUBLIC_GETS = [
    "/api/chat/history?sender_id=cors-1",
    "/api/chat/poll?sender_id=cors-1",
    "/widget/govassist-widget.js",
]


def preflight(client: TestClient, path: str, origin: str, method: str = "POST") -> object:
    return client.options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "content-type",
        },
    )


@pytest.mark.parametrize("path", ["/api/chat", "/api/chat/feedback"])
def test_preflight_from_the_portal_is_allowed(client: TestClient, path: str) -> None:
    response = preflight(client, path, PORTAL)
    assert response.status_code == 204  # type: ignore[attr-defined]
    headers = response.headers  # type: ignore[attr-defined]
    assert headers["access-control-allow-origin"] == PORTAL
    assert "POST" in headers["access-control-allow-methods"]
    assert "content-type" in headers["access-control-allow-headers"]


def test_chat_from_the_portal_carries_cors_headers(client: TestClient) -> None:
    response = client.post(
        "/api/chat", json={"sender_id": "cors-1", "text": "着火了"}, headers={"Origin": PORTAL}
    )
    assert response.status_code == 200 and "119" in response.json()["messages"][0]["text"]
    assert response.headers["access-control-allow-origin"] == PORTAL
    assert "Origin" in response.headers["vary"]
    feedback = client.post(
        "/api/chat/feedback",
        json={"sender_id": "cors-1", "answer": "x", "helpful": True},
        headers={"Origin": "http://LOCALHOST:8080"},  # origins compare case-insensitively
    )
    assert feedback.status_code == 204
    # the header echoes the Origin as sent: browsers compare the two byte for byte
    assert feedback.headers["access-control-allow-origin"] == "http://LOCALHOST:8080"


@pytest.mark.parametrize("path", PUBLIC_GETS)
def test_public_reads_from_the_portal_carry_cors_headers(client: TestClient, path: str) -> None:
    response = client.get(path, headers={"Origin": PORTAL})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == PORTAL


@pytest.mark.parametrize("path", [*PUBLIC_GETS, "/api/chat"])
def test_other_origins_are_refused(client: TestClient, path: str) -> None:
    assert preflight(client, path, EVIL).status_code == 403  # type: ignore[attr-defined]
    response = (
        client.post(path, json={"sender_id": "cors-2", "text": "你好"}, headers={"Origin": EVIL})
        if path == "/api/chat"
        else client.get(path, headers={"Origin": EVIL})
    )
    assert response.status_code == 403 and "origin" in response.json()["detail"]
    assert "access-control-allow-origin" not in response.headers


def test_same_origin_and_originless_requests_need_no_configuration(client: TestClient) -> None:
    same = client.get("/api/chat/history?sender_id=cors-3", headers={"Origin": "http://testserver"})
    assert same.status_code == 200 and "access-control-allow-origin" not in same.headers
    assert client.get("/api/chat/history?sender_id=cors-3").status_code == 200
    null = client.get("/api/chat/history?sender_id=cors-3", headers={"Origin": "null"})
    assert null.status_code == 403  # sandboxed iframes and file:// pages


def test_preflight_asking_for_other_headers_is_refused(client: TestClient) -> None:
    response = client.options(
        "/api/chat",
        headers={
            "Origin": PORTAL,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    "path", ["/api/agent/handoffs", "/api/hotline/suggestions/report", "/api/dispatch/manual"]
)
def test_agent_and_staff_endpoints_get_no_cors(client: TestClient, path: str) -> None:
    assert "access-control-allow-origin" not in preflight(client, path, PORTAL, "GET").headers  # type: ignore[attr-defined]
    response = client.get(path, headers={**AUTH, "Origin": PORTAL})
    assert "access-control-allow-origin" not in response.headers


def test_websocket_checks_the_origin(client: TestClient) -> None:
    with client.websocket_connect("/ws/chat?sender_id=cors-ws", headers={"Origin": PORTAL}) as ws:
        ws.send_json({"text": "有人晕倒了"})
        assert ws.receive_json() == {"type": "typing"}
        assert "120" in ws.receive_json()["messages"][0]["text"]
    with (
        pytest.raises(WebSocketDisconnect) as refused,
        client.websocket_connect("/ws/chat?sender_id=cors-ws", headers={"Origin": EVIL}),
    ):
        pass
    assert refused.value.code == 1008


@pytest.mark.parametrize(
    "value", ["portal.example.gov.cn", "https://portal.example.gov.cn/path", "ftp://x.cn"]
)
def test_malformed_origin_settings_fail_loudly(value: str) -> None:
    with pytest.raises(ValidationError, match="not an origin"):
        Settings(cors_allowed_origins=value)
