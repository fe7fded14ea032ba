"""Gateway fixtures: a real Redis (db 4), the WeChat API stub, and the app under test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis
from fastapi.testclient import TestClient

from channels.app import create_app
from channels.rasa_client import RasaClient
from govassist.settings import Settings
from tests.channels.stubs import RasaNluStub, WeChatApiStub
from tests.conftest import REDIS_BASE_URL

REDIS_URL = f"{REDIS_BASE_URL}/4"
APP_ID, APP_SECRET, TOKEN = "wxtest000000000001", "stub-secret", "test-wechat-token"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 characters, as WeChat issues them
PORTAL = "https://portal.example.gov.cn"  # the city portal, allowed to embed the widget
SHORT_LIMIT = 20  # MAX_MESSAGE_CHARS of the `short_client` gateway


@pytest.fixture(scope="session")
def wechat_stub() -> Iterator[WeChatApiStub]:
    with WeChatApiStub(APP_ID, APP_SECRET) as stub:
        yield stub


@pytest.fixture
def redis_client() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    yield client
    client.flushdb()


def gateway_settings(stub: WeChatApiStub, tmp_path: object, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "redis_url": REDIS_URL,
        "rasa_url": "http://127.0.0.1:9",  # nothing listens: the Rasa-down path
        "data_dir": tmp_path,
        "wechat_token": TOKEN,
        "wechat_app_id": APP_ID,
        "wechat_app_secret": APP_SECRET,
        "wechat_api_base": stub.base_url,
        "wechat_template_id": "TPL-ticket-update",
        "cors_allowed_origins": f"{PORTAL}, http://localhost:8080",
        "encoder": "off",
        **overrides,
    }
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def _gateway(
    wechat_stub: WeChatApiStub, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    """One gateway for the whole session (services load once); Redis is flushed per test."""
    settings = gateway_settings(wechat_stub, tmp_path_factory.mktemp("gateway"))
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def _aes_gateway(
    wechat_stub: WeChatApiStub, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    settings = gateway_settings(wechat_stub, tmp_path_factory.mktemp("aes"), wechat_aes_key=AES_KEY)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def _short_gateway(
    wechat_stub: WeChatApiStub, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    """A gateway with MAX_MESSAGE_CHARS=20."""
    settings = gateway_settings(
        wechat_stub, tmp_path_factory.mktemp("short"), max_message_chars=SHORT_LIMIT
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def short_client(_short_gateway: TestClient, redis_client: redis.Redis) -> TestClient:
    return _short_gateway


@pytest.fixture
def client(_gateway: TestClient, redis_client: redis.Redis) -> TestClient:
    return _gateway


@pytest.fixture
def aes_client(_aes_gateway: TestClient, redis_client: redis.Redis) -> TestClient:
    return _aes_gateway


@pytest.fixture
def rasa_stub(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> Iterator[RasaNluStub]:
    """The session gateway talks to a Rasa stub (answering `state.replies`) for one test."""
    with RasaNluStub() as stub:
        rasa = RasaClient(stub.base_url, 4.0)
        monkeypatch.setattr(client.app.state.conversations, "rasa", rasa)  # type: ignore[attr-defined]
        yield stub
        client.portal.call(rasa.aclose)  # type: ignore[union-attr]
