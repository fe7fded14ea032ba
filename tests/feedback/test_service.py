"""TicketService on SQLite and PostgreSQL: routing, lifecycle, audit, bounces, deadlines, PII."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from feedback.db import AuditRow, OutboxRow, TicketRow
from feedback.exceptions import IllegalTransition, RatingNotAllowed, TicketNotFound
from feedback.lifecycle import Action
from feedback.oversight import department_stats, hot_topics, sweep_deadlines
from feedback.privacy import FERNET_PREFIX, Cipher
from feedback.retention import PURGED_TEXT, encrypt_stored_texts
from feedback.schemas import Deadline, FeedbackCreate, Kind, Satisfaction, Status
from feedback.service import NOTIFY_STREAM, TicketService
from tests.feedback.conftest import Clock

CG = "市城市管理局"


def create(
    text_: str = "东城区幸福小区门口的路灯坏了一个星期，晚上很黑", **kw: str
) -> FeedbackCreate:
    values = {
        "text": text_,
        "channel": "web",
        "sender_id": "citizen-1",
        "contact": "13812345678",
        "location": "东城区幸福小区",
        **kw,
    }
    return FeedbackCreate(**values)


def test_submit_dispatches_with_outbox_rows_and_audit(service: TicketService) -> None:
    ticket = service.submit(create(), department_hint=CG)
    assert ticket.ticket_id.startswith("GD20261123") and ticket.status is Status.DISPATCHED
    assert ticket.department == CG and ticket.due_at is not None
    with service.sessions() as session:
        streams = [r.stream for r in session.scalars(select(OutboxRow)).all()]
        audit = [(a.action, a.to_status) for a in session.scalars(select(AuditRow)).all()]
    assert "govassist:dept:city_management" in streams and streams.count(NOTIFY_STREAM) == 2
    assert audit == [("receive", "受理"), ("dispatch", "派单")]


def test_ticket_numbers_are_unique_and_sequential(service: TicketService) -> None:
    ids = [
        service.submit(create(f"第{i}盏路灯坏了"), department_hint=CG).ticket_id for i in range(5)
    ]
    assert len(set(ids)) == 5 and ids == sorted(ids)


def test_personal_data_is_encrypted_at_rest(service: TicketService) -> None:
    ticket = service.submit(create(), department_hint=CG)
    with service.sessions() as session:
        row = session.scalar(select(TicketRow).where(TicketRow.ticket_id == ticket.ticket_id))
        raw = session.execute(text("SELECT text, contact_enc, location_enc FROM tickets")).first()
    assert row is not None and raw is not None
    assert "13812345678" not in str(raw) and "幸福小区" not in str(raw) and "路灯" not in str(raw)
    view = service.department_ticket(ticket.ticket_id, CG)
    assert view.contact_masked == "138****5678" and view.location == "东城区幸福小区"
    assert view.text == create().text
    assert service.reveal_contact(ticket.ticket_id, CG, "dept:city_management") == "13812345678"


def test_texts_stored_in_plain_before_are_encrypted_once(service: TicketService) -> None:
    legacy, purged, current = (
        service.submit(create(f"第{n}个井盖丢了"), department_hint=CG).ticket_id for n in range(3)
    )
    with service.sessions.begin() as session:  # as an earlier version (or a purge) left them
        plain = "第0个井盖丢了，电话13812345678"
        for ticket_id, stored in ((legacy, plain), (purged, PURGED_TEXT)):
            session.execute(
                text("UPDATE tickets SET text = :t WHERE ticket_id = :i"),
                {"t": stored, "i": ticket_id},
            )
    assert service.department_ticket(legacy, CG).text == "第0个井盖丢了，电话13812345678"
    assert encrypt_stored_texts(service.sessions, service.cipher) == 1
    assert encrypt_stored_texts(service.sessions, service.cipher) == 0
    with service.sessions() as session:
        raw = dict(session.execute(text("SELECT ticket_id, text FROM tickets")).all())
    assert raw[legacy].startswith(FERNET_PREFIX) and "13812345678" not in raw[legacy]
    assert raw[purged] == PURGED_TEXT and raw[current].startswith(FERNET_PREFIX)
    assert service.department_ticket(legacy, CG).text == "第0个井盖丢了，电话13812345678"
    assert service.department_ticket(current, CG).text == "第2个井盖丢了"


def test_texts_under_another_secret_key_do_not_stop_new_tickets(service: TicketService) -> None:
    old = service.submit(create("和平路的路灯坏了"), department_hint=CG).ticket_id
    service.submit(create("和平路的路灯坏了，很黑"), department_hint=CG)
    foreign = Cipher("a key the operator has since replaced").encrypt("和平路的路灯坏了")
    with service.sessions.begin() as session:
        session.execute(
            text("UPDATE tickets SET text = :t WHERE ticket_id = :i"), {"t": foreign, "i": old}
        )
    again = service.submit(create("和平路的路灯又坏了"), department_hint=CG)
    assert again.status is Status.DISPATCHED
    assert [t["count"] for t in hot_topics(service)] == [3]


def test_rating_comments_are_encrypted_at_rest(service: TicketService) -> None:
    tid = service.submit(create(), department_hint=CG).ticket_id
    for action in (Action.ACCEPT, Action.START):
        service.act(tid, CG, action, "dept:city_management")
    service.act(tid, CG, Action.REPLY, "dept:city_management", "已修复")
    service.rate(tid, Satisfaction.SATISFIED, "王师傅修得很快，电话13912345678")
    with service.sessions() as session:
        stored = session.scalar(text("SELECT rating_comment FROM tickets"))
    assert stored and "王师傅" not in stored and "13912345678" not in stored
    assert service.cipher.decrypt(stored) == "王师傅修得很快，电话13912345678"


def test_hot_topic_examples_are_public_and_carry_no_phone_numbers(service: TicketService) -> None:
    for _ in range(2):
        service.submit(create("和平路口的红绿灯坏了，我电话13812345678"), department_hint=CG)
    [topic] = hot_topics(service)
    assert topic["count"] == 2 and "13812345678" not in str(topic["example"])
    assert "138****5678" in str(topic["example"])


def test_full_lifecycle_and_rating(service: TicketService) -> None:
    tid = service.submit(create(), department_hint=CG).ticket_id
    for action in (Action.ACCEPT, Action.START):
        service.act(tid, CG, action, "dept:city_management")
    with pytest.raises(RatingNotAllowed):
        service.rate(tid, Satisfaction.SATISFIED)
    answered = service.act(tid, CG, Action.REPLY, "dept:city_management", "已更换灯泡，恢复照明")
    assert answered.status is Status.ANSWERED and answered.latest_reply == "已更换灯泡，恢复照明"
    closed = service.rate(tid, Satisfaction.BASICALLY)
    assert closed.status is Status.CLOSED and closed.rating is Satisfaction.BASICALLY
    with pytest.raises(RatingNotAllowed):
        service.rate(tid, Satisfaction.SATISFIED)
    public = service.get_public(tid)
    assert [e.status for e in public.history] == [
        "受理",
        "派单",
        "签收",
        "办理中",
        "已答复",
        "办结",
    ]


def test_illegal_jump_is_refused_and_nothing_changes(service: TicketService) -> None:
    tid = service.submit(create(), department_hint=CG).ticket_id
    with pytest.raises(IllegalTransition):
        service.act(tid, CG, Action.CLOSE, "dept:city_management")
    assert service.get_public(tid).status is Status.DISPATCHED


def test_a_department_sees_only_its_own_tickets(service: TicketService) -> None:
    tid = service.submit(create(), department_hint=CG).ticket_id
    with pytest.raises(TicketNotFound):
        service.department_ticket(tid, "市公安局")
    with pytest.raises(TicketNotFound):
        service.act(tid, "市公安局", Action.ACCEPT, "dept:police")
    assert [t.ticket_id for t in service.queue(CG)] == [tid] and service.queue("市公安局") == []


def test_return_reroutes_records_correction_and_stops_bouncing(
    service: TicketService, corrections: list[tuple[str, str, str, str]]
) -> None:
    tid = service.submit(create("楼上邻居天天半夜装修敲打，噪音扰民"), department_hint=CG).ticket_id
    after_first = service.act(
        tid, CG, Action.RETURN, "dept:city_management", "属于社会生活噪声，非我局职责"
    )
    assert after_first.status is Status.DISPATCHED and after_first.department != CG
    second = after_first.department
    assert second is not None
    service.act(tid, second, Action.ACCEPT, "dept:second")
    assert corrections and corrections[-1][1:3] == (CG, second)
    service.act(
        tid, second, Action.RETURN, "dept:second", "不是我们的"
    )  # accepted → returned again
    third = service.get_public(tid).department
    assert third is not None
    final = service.act(tid, third, Action.RETURN, "dept:third", "也不是我们的")
    assert (
        final.status is Status.MANUAL and final.department is None
    )  # three departments: manual dispatch
    assert tid in [t.ticket_id for t in service.manual_queue()]
    dispatched = service.dispatch(tid, "市公安局", "dispatcher")
    assert dispatched.status is Status.DISPATCHED and dispatched.department == "市公安局"


def test_low_confidence_goes_to_manual_dispatch(service: TicketService) -> None:
    ticket = service.submit(create("asdf qwer 1234"))
    assert ticket.status is Status.MANUAL and ticket.department is None


def test_deadline_warning_then_escalation(service: TicketService, clock: Clock) -> None:
    tid = service.submit(
        create(), department_hint=CG
    ).ticket_id  # complaint: 5 working days → Mon 30 Nov
    clock.now += timedelta(days=6)  # Sunday 29 Nov: one working day left
    assert sweep_deadlines(service).warned == [tid]
    assert sweep_deadlines(service).warned == []  # warned once
    clock.now += timedelta(days=2)  # Tuesday 1 Dec: overdue
    assert sweep_deadlines(service).escalated == [tid]
    view = service.department_ticket(tid, CG)
    assert view.overdue and department_stats(service, CG)[0]["overdue"] == 1
    assert view.escalation_reason == "超期督办"
    assert [v.ticket_id for v in service.department_tickets(CG, Deadline.OVERDUE)] == [tid]
    assert sweep_deadlines(service).escalated == []


def test_extension_request_and_approval_moves_the_deadline(service: TicketService) -> None:
    tid = service.submit(create(), department_hint=CG).ticket_id
    service.act(tid, CG, Action.ACCEPT, "dept:city_management")
    before = service.get_public(tid).due_at
    service.act(
        tid, CG, Action.REQUEST_EXTENSION, "dept:city_management", "需协调供电部门", extra_days=3
    )
    approved = service.decide_extension(tid, True, "dispatcher")
    assert (
        approved.status is Status.IN_PROGRESS and before is not None and approved.due_at is not None
    )
    assert approved.due_at > before


def test_similar_reports_form_a_hot_topic(service: TicketService) -> None:
    for text_ in (
        "幸福小区门口的路灯坏了好几天",
        "幸福小区门口路灯坏了，晚上很黑",
        "幸福小区大门口的路灯不亮了",
    ):
        service.submit(create(text_), department_hint=CG)
    service.submit(create("建设路上的井盖丢了很危险"), department_hint=CG)
    topics = hot_topics(service)
    assert len(topics) == 1 and topics[0]["count"] == 3


def test_stats_three_rates(service: TicketService) -> None:
    done = service.submit(create(), department_hint=CG).ticket_id
    service.submit(create("路边垃圾桶满了没人清"), department_hint=CG)
    service.act(done, CG, Action.ACCEPT, "d")
    service.act(done, CG, Action.REPLY, "d", "已清理")
    service.rate(done, Satisfaction.SATISFIED)
    stats = department_stats(service, CG)[0]
    assert stats["total"] == 2 and stats["response_rate"] == 0.5
    assert stats["resolution_rate"] == 0.5 and stats["satisfaction_rate"] == 1.0


def test_recent_for_sender(service: TicketService) -> None:
    first = service.submit(create(), department_hint=CG).ticket_id
    service.submit(create(sender_id="someone-else"), department_hint=CG)
    assert [t.ticket_id for t in service.recent_for_sender("web", "citizen-1")] == [first]


TP = "市公安局交通警察支队"


def test_dispatcher_escalation_is_audited_and_sent_to_the_department(
    service: TicketService,
) -> None:
    tid = service.submit(create(), department_hint=CG).ticket_id
    assert service.department_ticket(tid, CG).escalation_reason is None
    view = service.escalate(tid, "dispatcher", "市民多次来电催办")
    assert view.escalated and view.status is Status.DISPATCHED  # a flag, not a status change
    assert view.escalation_reason == "督办：市民多次来电催办"
    with service.sessions() as session:
        audit = session.scalars(select(AuditRow).where(AuditRow.action == "escalate")).all()
        events = [
            r.payload
            for r in session.scalars(select(OutboxRow)).all()
            if r.stream == "govassist:dept:city_management"
        ]
    assert [(a.actor, a.from_status, a.to_status, a.note) for a in audit] == [
        ("dispatcher", "派单", "派单", "督办：市民多次来电催办")
    ]
    assert any(e["event"] == "ticket.escalated" and e["ticket_id"] == tid for e in events)
    service.act(tid, CG, Action.ACCEPT, "dept:city_management")
    service.act(tid, CG, Action.REPLY, "dept:city_management", "已修复")
    with pytest.raises(IllegalTransition):  # answered: nothing left to press for
        service.escalate(tid, "dispatcher", "再次督办")
    with pytest.raises(TicketNotFound):
        service.escalate("GD209901019999", "dispatcher", "督办")


def test_department_queue_shows_deadline_states_and_filters_on_them(
    service: TicketService, clock: Clock
) -> None:
    def ticket(department: str, kind: Kind) -> str:
        return service.submit(create(), department_hint=department, kind_hint=kind).ticket_id

    late = ticket(CG, Kind.REPORT)  # Monday: due Tuesday
    calm = ticket(CG, Kind.COMPLAINT)  # due next Monday
    other_late = ticket(TP, Kind.REPORT)
    clock.now += timedelta(days=2)  # Wednesday 10:00
    near = ticket(CG, Kind.REPORT)  # due Thursday
    states = {v.ticket_id: v.deadline for v in service.queue(CG)}
    assert states == {late: Deadline.OVERDUE, calm: Deadline.ON_TIME, near: Deadline.NEAR}
    assert [v.ticket_id for v in service.queue(CG, deadline=Deadline.OVERDUE)] == [late]
    assert [v.ticket_id for v in service.queue(CG, deadline=Deadline.NEAR)] == [near]
    assert [v.ticket_id for v in service.queue(TP, deadline=Deadline.OVERDUE)] == [other_late]
    service.act(near, CG, Action.ACCEPT, "dept:city_management")
    service.act(near, CG, Action.REPLY, "dept:city_management", "已处理")
    assert service.queue(CG, deadline=Deadline.NEAR) == []  # answered: no longer owed
    assert service.department_ticket(near, CG).deadline is None
