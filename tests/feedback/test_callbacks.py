"""Callbacks (回访) on SQLite and PostgreSQL: answers to citizens without push become calls."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from feedback.callbacks import callback_queue, record_call, reveal_callback_contact
from feedback.db import AuditRow
from feedback.exceptions import TicketNotFound
from feedback.lifecycle import Action
from feedback.schemas import CallbackDone, FeedbackCreate, Satisfaction, Status
from feedback.service import TicketService

CG = "市城市管理局"
PHONE = "13812345678"


def answered(service: TicketService, channel: str, reply: str = "已更换灯泡") -> str:
    create = FeedbackCreate(
        text="东城区幸福小区门口的路灯坏了一个星期",
        channel=channel,
        sender_id=f"{channel}-caller",
        contact=PHONE,
    )
    ticket_id = service.submit(create, department_hint=CG).ticket_id
    service.act(ticket_id, CG, Action.ACCEPT, "dept:city_management")
    service.act(ticket_id, CG, Action.REPLY, "dept:city_management", reply)
    return ticket_id


def actions(service: TicketService, ticket_id: str) -> list[tuple[str, str]]:
    with service.sessions() as session:
        rows = session.scalars(select(AuditRow).where(AuditRow.ticket_id == ticket_id)).all()
        return [(a.actor, a.action) for a in rows]


@pytest.mark.parametrize("channel", ["hotline", "api", "open311"])
def test_an_answer_without_push_becomes_a_callback_with_the_contact_masked(
    service: TicketService, channel: str
) -> None:
    ticket_id = answered(service, channel)
    [task] = callback_queue(service)
    assert task.ticket_id == ticket_id and task.channel == channel
    assert task.reply == "已更换灯泡" and task.status is Status.ANSWERED
    assert task.contact_masked == "138****5678" and PHONE not in task.model_dump_json()


@pytest.mark.parametrize("channel", ["web", "wechat"])
def test_citizens_with_push_get_no_callback(service: TicketService, channel: str) -> None:
    answered(service, channel)
    assert callback_queue(service) == []


def test_an_unanswered_call_keeps_the_task_and_a_reached_one_closes_it_with_the_rating(
    service: TicketService,
) -> None:
    ticket_id = answered(service, "hotline")
    missed = record_call(service, ticket_id, "agent", CallbackDone(outcome="unreachable"))
    assert missed.attempts == 1 and missed.done_at is None
    assert [t.ticket_id for t in callback_queue(service)] == [ticket_id]
    assert reveal_callback_contact(service, ticket_id, "agent") == PHONE

    call = CallbackDone(outcome="reached", rating=Satisfaction.SATISFIED, note="市民表示感谢")
    done = record_call(service, ticket_id, "agent", call)
    assert done.done_at is not None and done.done_by == "agent"
    assert callback_queue(service) == []
    assert [t.ticket_id for t in callback_queue(service, include_done=True)] == [ticket_id]
    public = service.get_public(ticket_id)
    assert public.status is Status.CLOSED and public.rating is Satisfaction.SATISFIED
    assert ("agent", "callback_unreachable") in actions(service, ticket_id)
    assert {("agent", "reveal_contact"), ("agent", "callback"), ("agent", "rate")} <= set(
        actions(service, ticket_id)
    )
    with pytest.raises(TicketNotFound):  # nothing left to call about
        record_call(service, ticket_id, "agent", CallbackDone(outcome="reached"))
    with pytest.raises(TicketNotFound):
        reveal_callback_contact(service, ticket_id, "agent")


def test_a_second_answer_while_the_callback_is_open_does_not_add_another(
    service: TicketService,
) -> None:
    ticket_id = answered(service, "hotline")
    with service.sessions.begin() as session:  # the citizen was unhappy: back to the department
        row = service._row(session, ticket_id)
        service._move(session, row, Action.REOPEN, "citizen")
    service.act(ticket_id, CG, Action.REPLY, "dept:city_management", "已再次维修")
    [task] = callback_queue(service)
    assert task.reply == "已再次维修"
