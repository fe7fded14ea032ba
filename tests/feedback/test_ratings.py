"""Ratings replied in chat (SQLite, PostgreSQL): recorded on the citizen's answered ticket."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from feedback.db import AuditRow, OutboxRow
from feedback.lifecycle import Action
from feedback.ratings import parse_rating, record_chat_rating
from feedback.schemas import FeedbackCreate, Satisfaction, Status
from feedback.service import NOTIFY_STREAM, TicketService
from tests.feedback.conftest import Clock

CG = "市城市管理局"


def closed_ticket(service: TicketService, sender: str = "visitor-1", close: bool = True) -> str:
    create = FeedbackCreate(text="小区门口的路灯坏了一个星期", channel="web", sender_id=sender)
    ticket_id = service.submit(create, department_hint=CG).ticket_id
    service.act(ticket_id, CG, Action.ACCEPT, "dept:city_management")
    service.act(ticket_id, CG, Action.REPLY, "dept:city_management", "已修复")
    if close:
        service.act(ticket_id, CG, Action.CLOSE, "dept:city_management")
    return ticket_id


@pytest.mark.parametrize(
    ("text", "rating"),
    [
        ("满意", Satisfaction.SATISFIED),
        (" 基本满意。", Satisfaction.BASICALLY),
        ("不满意！", Satisfaction.UNSATISFIED),
        ("满意度怎么查", None),
        ("我对路灯维修很不满意，又坏了", None),
    ],
)
def test_parse_rating(text: str, rating: Satisfaction | None) -> None:
    assert parse_rating(text) is rating


def test_a_chat_rating_is_recorded_on_the_ticket_with_the_audit_trail(
    service: TicketService,
) -> None:
    ticket_id = closed_ticket(service)
    reply = record_chat_rating(service, "web", "visitor-1", "基本满意")
    assert reply is not None and ticket_id in reply and "基本满意" in reply
    assert service.get_public(ticket_id).rating is Satisfaction.BASICALLY
    with service.sessions() as session:
        audit = session.scalars(
            select(AuditRow).where(AuditRow.ticket_id == ticket_id, AuditRow.action == "rate")
        ).all()
    assert [(a.actor, a.note) for a in audit] == [("citizen", "基本满意")]
    assert record_chat_rating(service, "web", "visitor-1", "满意") is None  # once: then the bot


def test_rating_an_answered_ticket_closes_it_without_asking_again(service: TicketService) -> None:
    ticket_id = closed_ticket(service, close=False)
    assert record_chat_rating(service, "web", "visitor-1", "满意") is not None
    assert service.get_public(ticket_id).status is Status.CLOSED
    with service.sessions() as session:
        last = session.scalars(
            select(OutboxRow).where(OutboxRow.stream == NOTIFY_STREAM).order_by(OutboxRow.id.desc())
        ).first()
    assert last is not None and "感谢您的评价" in last.payload["text"]


def test_no_ticket_another_sender_or_a_stale_answer_goes_to_the_bot(
    service: TicketService, clock: Clock
) -> None:
    assert record_chat_rating(service, "web", "visitor-1", "满意") is None
    ticket_id = closed_ticket(service)
    assert record_chat_rating(service, "web", "visitor-2", "满意") is None
    assert record_chat_rating(service, "wechat", "visitor-1", "满意") is None
    clock.now += timedelta(days=8)
    assert record_chat_rating(service, "web", "visitor-1", "满意") is None
    assert service.get_public(ticket_id).rating is None
