"""HTTP tests of the ticket API through the real gateway (`channels.app.create_app`).

Runs once on SQLite and once on PostgreSQL (a fresh database, dropped at the end); Redis db 2.
Self-contained: its fixtures do not depend on tests/feedback/conftest.py.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
import redis
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from channels.app import create_app
from feedback.db import AuditRow, TicketRow
from feedback.outbox import relay_once
from govassist.settings import Settings
from knowledge.loader import load_knowledge_base
from knowledge.store import KnowledgeBase
from tests.conftest import KB_DIR, REDIS_BASE_URL, fresh_postgres_database

REDIS_URL = f"{REDIS_BASE_URL}/2"
DISPATCHER = {"Authorization": "Bearer dispatch-dev-token"}
PHONE = "13812345678"
TICKET_ID = re.compile(r"^GD\d{8}")


def token(code: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {code}-dev-token"}


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge_base(KB_DIR)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('api') / 'tickets.db'}"
        return
    with fresh_postgres_database("feedback_api") as url:
        yield url


@pytest.fixture(scope="module")
def client(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    redis.Redis.from_url(REDIS_URL).flushdb()
    settings = Settings(
        redis_url=REDIS_URL,
        database_url=database_url,
        rasa_url="http://127.0.0.1:9",
        data_dir=tmp_path_factory.mktemp("gateway"),
        encoder="off",
    )  # type: ignore[call-arg]
    with TestClient(create_app(settings)) as test_client:
        yield test_client
    redis.Redis.from_url(REDIS_URL).flushdb()


def submit(
    client: TestClient, text: str = "有人在小区消防通道乱停车，堵了好几天", **extra: str
) -> dict:
    body = {
        "text": text,
        "channel": "web",
        "sender_id": f"citizen-{uuid.uuid4().hex[:8]}",
        "contact": PHONE,
        "location": "示例市东城区和平街道幸福小区3号楼",
        **extra,
    }
    response = client.post("/api/feedback", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def code_of(kb: KnowledgeBase, department: str | None) -> str | None:
    found = kb.department(department) if department else None
    return found.code if found else None


def dispatched_to(
    client: TestClient, kb: KnowledgeBase, code: str = "traffic_police"
) -> tuple[str, str]:
    """A new ticket at a department (dispatched by hand if the router queued it for a person)."""
    ticket = submit(client)
    current = code_of(kb, client.get(f"/api/tickets/{ticket['ticket_id']}").json()["department"])
    if current is None:
        response = client.post(
            f"/api/dispatch/tickets/{ticket['ticket_id']}/dispatch",
            json={"department": code},
            headers=DISPATCHER,
        )
        assert response.status_code == 200, response.text
        current = code
    return ticket["ticket_id"], current


def act(
    client: TestClient, ticket_id: str, code: str, action: str, body: dict | None = None
) -> dict:
    response = client.post(
        f"/api/department/tickets/{ticket_id}/{action}", json=body, headers=token(code)
    )
    assert response.status_code == 200, f"{action}: {response.status_code} {response.text}"
    return response.json()


# --- citizens ---------------------------------------------------------------------------------
def test_submit_returns_the_ticket_with_a_deadline(client: TestClient) -> None:
    ticket = submit(client)
    assert TICKET_ID.match(ticket["ticket_id"])
    assert {"ticket_id", "kind", "department", "status", "due_at"} <= ticket.keys()
    assert ticket["kind"] == "complaint"
    assert ticket["status"] in {"派单", "人工派单"}
    assert ticket["due_at"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"channel": "web", "sender_id": "a"}, "text"),
        ({"text": "路灯坏了", "sender_id": "a"}, "channel"),
        ({"text": "路灯坏了", "channel": "carrier-pigeon", "sender_id": "a"}, "channel"),
        ({"text": "路灯坏了", "channel": "web", "sender_id": ""}, "sender_id"),
        ({"text": "x", "channel": "web", "sender_id": "a"}, "text"),
        ({"text": "路灯" * 3000, "channel": "web", "sender_id": "a"}, "text"),
    ],
)
def test_invalid_feedback_is_422_with_the_field(client: TestClient, body: dict, field: str) -> None:
    response = client.post("/api/feedback", json=body)
    assert response.status_code == 422
    assert field in {str(part) for error in response.json()["detail"] for part in error["loc"]}


def _strings_except_times(value: object, key: str = "") -> list[str]:
    """Every string in a JSON body except timestamps (whose microseconds may contain any digits)."""
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in _strings_except_times(v, k)]
    if isinstance(value, list):
        return [s for v in value for s in _strings_except_times(v, key)]
    if isinstance(value, str) and not (key == "at" or key.endswith("_at")):
        return [value]
    return []


def test_citizen_view_hides_contact_and_unknown_ticket_is_404(client: TestClient) -> None:
    ticket = submit(client)
    response = client.get(f"/api/tickets/{ticket['ticket_id']}")
    assert response.status_code == 200
    shown = " ".join(_strings_except_times(response.json()))
    assert PHONE not in shown and PHONE[-4:] not in shown
    assert "幸福小区" not in shown
    assert response.json()["history"][0]["status"] == "受理"
    assert client.get("/api/tickets/GD209901019999").status_code == 404


def test_contact_and_location_are_encrypted_at_rest(client: TestClient) -> None:
    ticket = submit(client)
    service = client.app.state.tickets  # type: ignore[attr-defined]
    with service.sessions() as session:
        row = session.scalar(select(TicketRow).where(TicketRow.ticket_id == ticket["ticket_id"]))
    assert row.contact_enc and PHONE not in row.contact_enc
    assert row.location_enc and "幸福小区" not in row.location_enc


# --- departments -------------------------------------------------------------------------------
def test_department_tokens_are_required(client: TestClient, kb: KnowledgeBase) -> None:
    ticket_id, code = dispatched_to(client, kb)
    assert client.get("/api/department/tickets").status_code == 401
    assert (
        client.get("/api/department/tickets", headers={"Authorization": "Bearer nope"}).status_code
        == 401
    )
    assert client.get("/api/dispatch/queue", headers=token(code)).status_code == 401
    assert client.get(f"/api/department/tickets/{ticket_id}", headers=DISPATCHER).status_code == 401


def test_a_department_sees_and_changes_only_its_own_tickets(
    client: TestClient, kb: KnowledgeBase
) -> None:
    ticket_id, code = dispatched_to(client, kb)
    other = "education" if code != "education" else "tax"
    assert client.get(f"/api/department/tickets/{ticket_id}", headers=token(other)).status_code in (
        403,
        404,
    )
    for action, body in [
        ("accept", None),
        ("reply", {"text": "已处理完毕"}),
        ("contact", None),
        ("return", {"reason": "不是我们的"}),
    ]:
        response = client.post(
            f"/api/department/tickets/{ticket_id}/{action}", json=body, headers=token(other)
        )
        assert response.status_code in (403, 404), action
    queue = client.get("/api/department/tickets", headers=token(other)).json()
    assert ticket_id not in {t["ticket_id"] for t in queue}
    mine = client.get("/api/department/tickets", headers=token(code)).json()
    assert ticket_id in {t["ticket_id"] for t in mine}
    assert client.get(f"/api/tickets/{ticket_id}").json()["status"] == "派单"  # nothing changed


def test_full_lifecycle_through_the_api(client: TestClient, kb: KnowledgeBase) -> None:
    ticket_id, code = dispatched_to(client, kb)
    assert (
        client.post(f"/api/tickets/{ticket_id}/rating", json={"rating": "满意"}).status_code == 409
    )
    assert act(client, ticket_id, code, "accept")["status"] == "签收"
    assert act(client, ticket_id, code, "start")["status"] == "办理中"
    before = client.get(f"/api/tickets/{ticket_id}").json()["due_at"]
    assert (
        act(client, ticket_id, code, "extension", {"days": 3, "reason": "需要现场勘查"})["status"]
        == "延期申请中"
    )
    queue = client.get("/api/dispatch/queue", headers=DISPATCHER).json()
    assert ticket_id in {t["ticket_id"] for t in queue}
    approved = client.post(
        f"/api/dispatch/tickets/{ticket_id}/extension/approve", headers=DISPATCHER
    )
    assert approved.status_code == 200 and approved.json()["status"] == "办理中"
    assert approved.json()["due_at"] > before
    answered = act(client, ticket_id, code, "reply", {"text": "已联系车主挪车，并加强巡查。"})
    assert answered["status"] == "已答复"
    public = client.get(f"/api/tickets/{ticket_id}").json()
    assert public["latest_reply"] == "已联系车主挪车，并加强巡查。"
    assert act(client, ticket_id, code, "close")["status"] == "办结"
    assert (
        client.post(f"/api/tickets/{ticket_id}/rating", json={"rating": "非常好"}).status_code
        == 422
    )
    rated = client.post(f"/api/tickets/{ticket_id}/rating", json={"rating": "基本满意"})
    assert rated.status_code == 200 and rated.json()["rating"] == "基本满意"
    assert (
        client.post(f"/api/tickets/{ticket_id}/rating", json={"rating": "满意"}).status_code == 409
    )
    stats = client.get("/api/department/stats", headers=token(code)).json()
    assert stats["total"] >= 1 and stats["satisfaction_rate"] is not None


def test_illegal_transitions_are_409_with_a_reason(client: TestClient, kb: KnowledgeBase) -> None:
    ticket_id, code = dispatched_to(client, kb)
    for action, body in [("close", None), ("start", None), ("reply", {"text": "提前答复"})]:
        response = client.post(
            f"/api/department/tickets/{ticket_id}/{action}", json=body, headers=token(code)
        )
        assert response.status_code == 409, action
        assert response.json()["detail"]
    act(client, ticket_id, code, "accept")
    again = client.post(f"/api/department/tickets/{ticket_id}/accept", headers=token(code))
    assert again.status_code == 409 and "accept" in again.json()["detail"]


def test_contact_is_masked_and_reveal_is_audited(client: TestClient, kb: KnowledgeBase) -> None:
    ticket_id, code = dispatched_to(client, kb)
    view = client.get(f"/api/department/tickets/{ticket_id}", headers=token(code)).json()
    assert view["contact_masked"] == "138****5678"
    assert PHONE not in str(view)
    revealed = client.post(f"/api/department/tickets/{ticket_id}/contact", headers=token(code))
    assert revealed.json()["contact"] == PHONE
    service = client.app.state.tickets  # type: ignore[attr-defined]
    with service.sessions() as session:
        audits = session.scalars(
            select(AuditRow).where(
                AuditRow.ticket_id == ticket_id, AuditRow.action == "reveal_contact"
            )
        ).all()
    assert [a.actor for a in audits] == [f"dept:{code}"]
    assert PHONE not in client.get(f"/api/tickets/{ticket_id}").text


def test_three_returns_send_the_ticket_to_manual_dispatch(
    client: TestClient, kb: KnowledgeBase
) -> None:
    ticket_id, code = dispatched_to(client, kb)
    seen = [code]
    for _ in range(3):
        after = act(client, ticket_id, code, "return", {"reason": "不属于本部门职责"})
        if after["status"] == "人工派单":
            break
        code = code_of(kb, client.get(f"/api/tickets/{ticket_id}").json()["department"])  # type: ignore[assignment]
        assert code is not None and code not in seen
        seen.append(code)
    public = client.get(f"/api/tickets/{ticket_id}").json()
    assert public["status"] == "人工派单" and public["department"] is None
    queue = client.get("/api/dispatch/queue", headers=DISPATCHER).json()
    entry = next(t for t in queue if t["ticket_id"] == ticket_id)
    assert entry["return_count"] >= 1 and len(entry["history"]) > 3


def test_status_changes_reach_the_notification_stream(
    client: TestClient, kb: KnowledgeBase
) -> None:
    ticket_id, code = dispatched_to(client, kb)
    act(client, ticket_id, code, "accept")
    service = client.app.state.tickets  # type: ignore[attr-defined]
    stream = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    while relay_once(service.sessions, stream):
        pass
    notices = [
        f for _, f in stream.xrange("govassist:notifications") if f["ticket_id"] == ticket_id
    ]
    assert {"channel", "sender_id", "ticket_id", "text"} <= notices[0].keys()
    assert notices[0]["channel"] == "web"
    department = kb.department(code).name  # type: ignore[union-attr]
    assert any("签收" in n["text"] and department in n["text"] for n in notices)
    dispatched = [
        f for _, f in stream.xrange(f"govassist:dept:{code}") if f["ticket_id"] == ticket_id
    ]
    assert dispatched


def test_repeated_reports_become_a_hot_topic(client: TestClient) -> None:
    tickets = [submit(client, "东门外有人乱停车，堵住了消防通道") for _ in range(3)]
    topics = client.get("/api/hot-topics").json()["topics"]
    ours = [t for t in topics if {x["ticket_id"] for x in tickets} <= set(t["tickets"])]
    assert ours and ours[0]["count"] >= 3


def test_console_page_is_served_in_chinese(client: TestClient) -> None:
    response = client.get("/console/department")
    assert response.status_code == 200
    assert "部门工单工作台" in response.text and "<script" in response.text
    assert "http://" not in response.text.replace("http://www.w3.org/2000/svg", "")  # no CDN


# --- Open311 GeoReport v2 ----------------------------------------------------------------------
def test_open311_services_list_the_catalogue(client: TestClient, kb: KnowledgeBase) -> None:
    services = client.get("/open311/v2/services.json").json()
    assert {s["service_code"] for s in services} == {d.code for d in kb.departments}
    assert {
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    } <= services[0].keys()


def test_open311_round_trip(client: TestClient, kb: KnowledgeBase) -> None:
    created = client.post(
        "/open311/v2/requests.json",
        data={
            "service_code": "city_management",
            "description": "幸福路和平街口的路灯不亮了，已经一周",
            "lat": "30.123456",
            "long": "120.654321",
            "email": "citizen@example.org",
            "phone": PHONE,
        },
    )
    assert created.status_code == 201, created.text
    [receipt] = created.json()
    request_id = receipt["service_request_id"]
    assert TICKET_ID.match(request_id) and "service_notice" in receipt
    [found] = client.get(f"/open311/v2/requests/{request_id}.json").json()
    assert found["service_request_id"] == request_id
    assert found["service_code"] == "city_management" and found["status"] == "open"
    assert found["description"] == "幸福路和平街口的路灯不亮了，已经一周"
    assert found["requested_datetime"] and found["expected_datetime"]
    assert PHONE not in str(found) and "citizen@example.org" not in str(found)
    listed = client.get(
        "/open311/v2/requests.json", params={"service_request_id": request_id}
    ).json()
    assert [r["service_request_id"] for r in listed] == [request_id]
    name = kb.department("city_management").name  # type: ignore[union-attr]
    assert client.get(f"/api/tickets/{request_id}").json()["department"] == name
    for action, body in [("accept", None), ("reply", {"text": "已修复路灯"}), ("close", None)]:
        act(client, request_id, "city_management", action, body)
    [closed] = client.get(f"/open311/v2/requests/{request_id}.json").json()
    assert closed["status"] == "closed"
    only_closed = client.get("/open311/v2/requests.json", params={"status": "closed"}).json()
    assert request_id in {r["service_request_id"] for r in only_closed}


def test_open311_public_description_hides_phone_numbers(client: TestClient) -> None:
    created = client.post(
        "/open311/v2/requests.json",
        data={
            "service_code": "city_management",
            "description": f"垃圾没人清运，请联系我{PHONE}",
            "address_string": "示例市东城区和平街道1号",
        },
    )
    [receipt] = created.json()
    [found] = client.get(f"/open311/v2/requests/{receipt['service_request_id']}.json").json()
    assert PHONE not in found["description"]


@pytest.mark.parametrize(
    "data",
    [
        {"description": "路灯不亮", "address_string": "和平街1号"},  # no service_code
        {
            "service_code": "no_such_service",
            "description": "路灯不亮",
            "address_string": "和平街1号",
        },
        {"service_code": "city_management", "description": "路灯不亮"},  # no location
        {"service_code": "city_management", "description": "路灯不亮", "lat": "95", "long": "120"},
    ],
)
def test_open311_rejects_bad_requests(client: TestClient, data: dict[str, str]) -> None:
    response = client.post("/open311/v2/requests.json", data=data)
    assert 400 <= response.status_code < 500
    assert client.get("/open311/v2/requests/GD209901019999.json").status_code == 404


# --- callbacks (回访) for hotline, API and Open311 citizens -----------------------------------
AGENT = {"Authorization": "Bearer agent-dev-token"}


def test_hotline_agents_relay_answers_by_phone(client: TestClient, kb: KnowledgeBase) -> None:
    ticket = submit(client, channel="hotline")
    ticket_id = ticket["ticket_id"]
    code = code_of(kb, ticket["department"]) or "traffic_police"
    if ticket["department"] is None:
        client.post(
            f"/api/dispatch/tickets/{ticket_id}/dispatch",
            json={"department": code},
            headers=DISPATCHER,
        )
    act(client, ticket_id, code, "accept")
    act(client, ticket_id, code, "reply", {"text": "已联系车主挪车"})

    assert client.get("/api/agent/callbacks").status_code == 401
    assert client.get("/api/agent/callbacks", headers=token(code)).status_code == 401
    listed = client.get("/api/agent/callbacks", headers=AGENT)
    assert listed.status_code == 200 and PHONE not in listed.text
    task = next(t for t in listed.json() if t["ticket_id"] == ticket_id)
    assert task["reply"] == "已联系车主挪车" and task["contact_masked"] == "138****5678"
    revealed = client.post(f"/api/agent/callbacks/{ticket_id}/contact", headers=AGENT)
    assert revealed.json() == {"contact": PHONE}

    calls = f"/api/agent/callbacks/{ticket_id}/calls"
    assert client.post(calls, json={"outcome": "maybe"}, headers=AGENT).status_code == 422
    assert client.post(calls, json={"outcome": "reached"}).status_code == 401
    done = client.post(calls, json={"outcome": "reached", "rating": "满意"}, headers=AGENT)
    assert done.status_code == 200 and done.json()["done_by"] == "agent"
    after = client.get("/api/agent/callbacks", headers=AGENT).json()
    assert ticket_id not in {t["ticket_id"] for t in after}
    assert client.get(f"/api/tickets/{ticket_id}").json()["rating"] == "满意"
    assert client.post(calls, json={"outcome": "reached"}, headers=AGENT).status_code == 404


# --- 督办 and deadline states ------------------------------------------------------------------
def test_dispatchers_escalate_and_the_audit_trail_records_it(
    client: TestClient, kb: KnowledgeBase
) -> None:
    ticket_id, code = dispatched_to(client, kb)
    path = f"/api/dispatch/tickets/{ticket_id}/escalate"
    reason = {"reason": "市民多次来电催办"}
    assert client.post(path, json=reason).status_code == 401
    assert client.post(path, json=reason, headers=token(code)).status_code == 401
    assert client.post(path, json={"reason": ""}, headers=DISPATCHER).status_code == 422
    escalated = client.post(path, json=reason, headers=DISPATCHER)
    assert escalated.status_code == 200 and escalated.json()["escalated"] is True
    mine = client.get(f"/api/department/tickets/{ticket_id}", headers=token(code)).json()
    assert mine["escalated"] is True
    assert mine["escalation_reason"] == "督办：市民多次来电催办"
    service = client.app.state.tickets  # type: ignore[attr-defined]
    with service.sessions() as session:
        audit = session.scalars(
            select(AuditRow).where(AuditRow.ticket_id == ticket_id, AuditRow.action == "escalate")
        ).all()
    assert [a.actor for a in audit] == ["dispatcher"]
    act(client, ticket_id, code, "accept")
    act(client, ticket_id, code, "reply", {"text": "已处理"})
    assert client.post(path, json=reason, headers=DISPATCHER).status_code == 409


def test_dispatchers_list_the_tickets_with_departments_to_find_what_to_escalate(
    client: TestClient, kb: KnowledgeBase
) -> None:
    ticket_id, code = dispatched_to(client, kb)
    name = client.get("/api/department/me", headers=token(code)).json()["name"]
    path = "/api/dispatch/tickets"
    assert client.get(path).status_code == 401
    assert client.get(path, headers=token(code)).status_code == 401
    listed = client.get(path, headers=DISPATCHER)
    assert listed.status_code == 200
    assert ticket_id in {t["ticket_id"] for t in listed.json()}
    dues = [t["due_at"] for t in listed.json()]
    assert dues == sorted(dues), "earliest deadline first"
    assert {t["status"] for t in listed.json()} <= {"派单", "签收", "办理中", "延期申请中"}
    one = client.get(path, params={"department": name}, headers=DISPATCHER).json()
    assert ticket_id in {t["ticket_id"] for t in one} and {t["department"] for t in one} == {name}
    by_code = client.get(path, params={"department": code}, headers=DISPATCHER).json()
    assert by_code == one, "a department code filters like its name"
    overdue = client.get(path, params={"deadline": "已超期"}, headers=DISPATCHER).json()
    assert ticket_id not in {t["ticket_id"] for t in overdue}
    unknown = client.get(path, params={"department": "不存在的局"}, headers=DISPATCHER)
    assert unknown.status_code == 422 and "不存在的局" in unknown.text
    assert client.get(path, params={"deadline": "x"}, headers=DISPATCHER).status_code == 422
    act(client, ticket_id, code, "accept")
    act(client, ticket_id, code, "reply", {"text": "已处理"})
    after = client.get(path, params={"department": name}, headers=DISPATCHER).json()
    assert ticket_id not in {t["ticket_id"] for t in after}, "answered tickets leave the list"


def test_department_list_filters_on_deadline_state_and_stays_its_own(
    client: TestClient, kb: KnowledgeBase
) -> None:
    ticket_id, code = dispatched_to(client, kb)
    other = "education" if code != "education" else "tax"
    listed = client.get("/api/department/tickets", headers=token(code)).json()
    assert next(t for t in listed if t["ticket_id"] == ticket_id)["deadline"] == "正常"
    on_time = client.get(
        "/api/department/tickets", params={"deadline": "正常"}, headers=token(code)
    ).json()
    assert ticket_id in {t["ticket_id"] for t in on_time}
    assert {t["deadline"] for t in on_time} == {"正常"}
    for state in ("即将超期", "已超期"):
        found = client.get(
            "/api/department/tickets", params={"deadline": state}, headers=token(code)
        ).json()
        assert ticket_id not in {t["ticket_id"] for t in found}
        assert {t["deadline"] for t in found} <= {state}
    theirs = client.get(
        "/api/department/tickets", params={"deadline": "正常"}, headers=token(other)
    ).json()
    assert ticket_id not in {t["ticket_id"] for t in theirs}
    bad = client.get("/api/department/tickets", params={"deadline": "soon"}, headers=token(code))
    assert bad.status_code == 422


def test_open311_contacts_are_not_stored_as_sender_ids(client: TestClient) -> None:
    receipts = [
        client.post(
            "/open311/v2/requests.json",
            data={
                "service_code": "city_management",
                "description": "幸福路路灯不亮了",
                "address_string": "示例市东城区和平街道1号",
                **contact,
            },
        ).json()[0]["service_request_id"]
        for contact in ({"phone": PHONE}, {"phone": PHONE}, {"email": "Citizen@Example.org"})
    ]
    service = client.app.state.tickets  # type: ignore[attr-defined]
    with service.sessions() as session:
        rows = [
            session.execute(
                text("SELECT * FROM tickets WHERE ticket_id = :t"), {"t": ticket_id}
            ).one()
            for ticket_id in receipts
        ]
    stored = " ".join(str(tuple(row)) for row in rows)
    assert PHONE not in stored and PHONE[-8:] not in stored
    assert "example.org" not in stored.lower()
    senders = [row.sender_id for row in rows]
    assert senders[0] == senders[1] != senders[2]  # one reporter's requests still go together
    assert service.reveal_contact(receipts[0], None, "test") == PHONE  # kept, encrypted


def test_a_rating_replied_in_the_web_chat_is_recorded(
    client: TestClient, kb: KnowledgeBase
) -> None:
    sender = f"citizen-{uuid.uuid4().hex[:8]}"
    ticket = submit(client, sender_id=sender)
    ticket_id, code = ticket["ticket_id"], code_of(kb, ticket["department"]) or "traffic_police"
    if ticket["department"] is None:
        client.post(
            f"/api/dispatch/tickets/{ticket_id}/dispatch",
            json={"department": code},
            headers=DISPATCHER,
        )
    for action, body in [("accept", None), ("reply", {"text": "已处理"}), ("close", None)]:
        act(client, ticket_id, code, action, body)
    chat = client.post("/api/chat", json={"sender_id": sender, "text": "满意"})
    assert chat.status_code == 200  # the Rasa server of this gateway is down: not asked
    [message] = chat.json()["messages"]
    assert ticket_id in message["text"] and "感谢" in message["text"]
    assert client.get(f"/api/tickets/{ticket_id}").json()["rating"] == "满意"
