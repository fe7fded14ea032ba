"""Citizens' 有帮助/没帮助 on answers: stored with the question, listed for agents, PII masked."""

from __future__ import annotations

from fastapi.testclient import TestClient

from channels.answer_feedback import question_for
from tests.channels.stubs import RasaNluStub

AUTH = {"Authorization": "Bearer agent-dev-token"}
ANSWER = "居住证申领：携带居民身份证和近期免冠照片，到居住地派出所办理。咨询电话 0571-87654321。"


def unhelpful(client: TestClient) -> list[dict[str, object]]:
    response = client.get("/api/agent/feedback/unhelpful", headers=AUTH)
    assert response.status_code == 200
    return list(response.json()["answers"])


def test_not_helpful_answers_are_listed_with_their_question_masked(
    client: TestClient, rasa_stub: RasaNluStub
) -> None:
    rasa_stub.state.replies = [{"text": ANSWER}]
    question = "我叫张三，电话13812345678，身份证110101199003071234，居住证怎么办"
    client.post("/api/chat", json={"sender_id": "fb-1", "text": question})
    client.post("/api/chat", json={"sender_id": "fb-1", "text": "那要多久"})  # answered the same
    verdict = {"sender_id": "fb-1", "answer": ANSWER[:500], "helpful": False}
    assert client.post("/api/chat/feedback", json=verdict).status_code == 204
    helpful = {**verdict, "helpful": True}
    assert client.post("/api/chat/feedback", json=helpful).status_code == 204
    [listed] = unhelpful(client)
    assert listed["question"] == "那要多久"  # the message this answer (its latest) replied to
    assert listed["answer"] == ANSWER.replace("0571-87654321", "0571-****4321")
    assert listed["channel"] == "web" and listed["guide_id"] is None
    first = question_for(
        [{"role": "user", "text": question}, {"role": "bot", "text": ANSWER}], ANSWER[:40]
    )
    assert first == question


def test_personal_data_in_the_question_is_masked(
    client: TestClient, rasa_stub: RasaNluStub
) -> None:
    rasa_stub.state.replies = [{"text": ANSWER}]
    question = "电话13812345678，身份证110101199003071234，居住证怎么办"
    client.post("/api/chat", json={"sender_id": "fb-2", "text": question})
    verdict = {"sender_id": "fb-2", "answer": ANSWER, "helpful": False, "guide_id": "GA-001"}
    assert client.post("/api/chat/feedback", json=verdict).status_code == 204
    [listed] = unhelpful(client)
    assert listed["question"] == "电话138****5678，身份证110101********1234，居住证怎么办"
    assert listed["guide_id"] == "GA-001"


def test_an_answer_not_in_the_history_keeps_the_clients_question_masked(
    client: TestClient,
) -> None:
    verdict = {
        "sender_id": "fb-3",
        "answer": "某个回答",
        "helpful": False,
        "question": "我的手机13912345678丢了",
    }
    assert client.post("/api/chat/feedback", json=verdict).status_code == 204
    [listed] = unhelpful(client)
    assert listed["question"] == "我的手机139****5678丢了" and listed["guide_id"] is None


def test_unhelpful_list_needs_the_agent_token_and_is_typed(client: TestClient) -> None:
    assert client.get("/api/agent/feedback/unhelpful").status_code == 401
    assert client.get("/api/agent/feedback/unhelpful?limit=0", headers=AUTH).status_code == 422
    bad = {"sender_id": "fb-4", "answer": "x", "helpful": False, "guide_id": "../etc"}
    assert client.post("/api/chat/feedback", json=bad).status_code == 422
    schema = client.get("/openapi.json").json()
    ok = schema["paths"]["/api/agent/feedback/unhelpful"]["get"]["responses"]["200"]
    assert ok["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/UnhelpfulAnswers"
    }
