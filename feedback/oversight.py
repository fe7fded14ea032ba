"""Deadline sweep (warn before, escalate 督办 when overdue), statistics (三率) and hot topics."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from feedback.db import TicketRow
from feedback.deadlines import working_days_left
from feedback.lifecycle import ESCALATABLE, Action
from feedback.privacy import redact
from feedback.schemas import Status
from feedback.service import TicketService, _aware

ANSWERED = {Status.ANSWERED.value, Status.CLOSED.value}
RESPONDED = ANSWERED | {
    Status.ACCEPTED.value,
    Status.IN_PROGRESS.value,
    Status.EXTENSION_REQUESTED.value,
}


@dataclass(frozen=True)
class SweepResult:
    warned: list[str]
    escalated: list[str]


def sweep_deadlines(service: TicketService) -> SweepResult:
    """Warn departments one working day before the deadline; escalate overdue tickets once."""
    now = service.clock()
    warned, escalated = [], []
    owing = [s.value for s in ESCALATABLE]
    with service.sessions.begin() as session:
        rows = session.scalars(
            select(TicketRow).where(TicketRow.status.in_(owing), TicketRow.due_at.is_not(None))
        ).all()
        for row in rows:
            due = _aware(row.due_at)
            if due < now and not row.escalated:
                service._move(session, row, Action.ESCALATE, "system", "超期督办")
                escalated.append(row.ticket_id)
                service._tell_department(session, row, "ticket.escalated")
            elif not row.warned and working_days_left(now, due) <= 1 and due >= now:
                row.warned = True
                warned.append(row.ticket_id)
                service._tell_department(session, row, "ticket.deadline_warning")
    return SweepResult(warned, escalated)


def department_stats(
    service: TicketService, department: str | None = None
) -> list[dict[str, object]]:
    """Response, resolution and satisfaction rates (三率) and overdue count, per department."""
    now = service.clock()
    with service.sessions() as session:
        query = select(TicketRow.department, TicketRow.status, TicketRow.rating, TicketRow.due_at)
        if department:
            query = query.where(TicketRow.department == department)
        rows = session.execute(query.where(TicketRow.department.is_not(None))).all()
    out = []
    for name in sorted({r.department for r in rows}):
        mine = [r for r in rows if r.department == name]
        rated = [r for r in mine if r.rating]
        overdue = sum(
            1 for r in mine if r.status not in ANSWERED and r.due_at and _aware(r.due_at) < now
        )
        out.append(
            {
                "department": name,
                "total": len(mine),
                "response_rate": _rate(sum(r.status in RESPONDED for r in mine), len(mine)),
                "resolution_rate": _rate(sum(r.status in ANSWERED for r in mine), len(mine)),
                "satisfaction_rate": _rate(
                    sum(r.rating in ("满意", "基本满意") for r in rated), len(rated)
                ),
                "overdue": overdue,
            }
        )
    return out


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def hot_topics(
    service: TicketService, days: int = 7, min_count: int = 2
) -> list[dict[str, object]]:
    """Topics reported at least `min_count` times in the window, biggest first."""
    since = service.clock() - timedelta(days=days)
    with service.sessions() as session:
        rows = session.execute(
            select(
                TicketRow.topic_id, TicketRow.ticket_id, TicketRow.text_enc, TicketRow.department
            ).where(TicketRow.created_at >= since, TicketRow.topic_id.is_not(None))
        ).all()
    counts = Counter(r.topic_id for r in rows)
    topics = []
    for topic, count in counts.most_common():
        if count < min_count:
            break
        first = next(r for r in rows if r.topic_id == topic)
        topics.append(
            {
                "topic_id": topic,
                "count": count,
                "department": first.department,
                # public: no phone or ID numbers; empty if written under another SECRET_KEY
                "example": redact(service.cipher.readable(first.text_enc) or "")[:80],
                "tickets": [r.ticket_id for r in rows if r.topic_id == topic],
            }
        )
    return topics


def backlog(service: TicketService, now: datetime | None = None) -> tuple[int, int]:
    """(open tickets, overdue tickets) for the metrics endpoint."""
    now = now or service.clock()
    with service.sessions() as session:
        open_count = (
            session.scalar(select(func.count()).where(TicketRow.status != Status.CLOSED.value)) or 0
        )
        dues = session.scalars(
            select(TicketRow.due_at).where(
                TicketRow.status.not_in(list(ANSWERED)), TicketRow.due_at.is_not(None)
            )
        ).all()
    return int(open_count), sum(1 for d in dues if _aware(d) < now)
