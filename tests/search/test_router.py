import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from search.router import router
from search.service import SearchService


@pytest.fixture(scope="module")
def client(service: SearchService):
    app = FastAPI()
    app.include_router(router)
    app.state.search = service
    with TestClient(app) as c:
        yield c


def test_search_returns_hits(client: TestClient) -> None:
    response = client.get("/api/search", params={"q": "居住证要带什么材料", "top_k": 2})
    assert response.status_code == 200
    hits = response.json()
    assert 1 <= len(hits) <= 2
    assert set(hits[0]) == {"guide_id", "title", "department", "aspect", "snippet", "score"}
    assert hits[0]["title"] == "居住证申领"


def test_not_found_is_an_empty_list(client: TestClient) -> None:
    response = client.get("/api/search", params={"q": "今天天气怎么样"})
    assert response.status_code == 200
    assert response.json() == []


@pytest.mark.parametrize("q", ["", "   ", "\x00\x01", "居" * 501])
def test_bad_q_is_rejected_with_a_reason(client: TestClient, q: str) -> None:
    response = client.get("/api/search", params={"q": q})
    assert response.status_code in (400, 422)
    assert response.json()["detail"]


def test_emoji_only_is_rejected(client: TestClient) -> None:
    response = client.get("/api/search", params={"q": "😀😀"})
    assert response.status_code == 422


def test_bad_top_k(client: TestClient) -> None:
    assert client.get("/api/search", params={"q": "护照", "top_k": 0}).status_code == 422


def test_service_missing_is_503() -> None:
    app = FastAPI()
    app.include_router(router)
    with TestClient(app) as c:
        assert c.get("/api/search", params={"q": "护照"}).status_code == 503
