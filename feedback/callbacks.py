"""Callbacks (回访): answers a hotline agent relays by phone to citizens of channels without push.

A task is opened when a department answers a ticket from the hotline, the API or Open311 (see
`TicketService`); agents list the open ones (contact masked) and record each call. A call that
reached the citizen closes the task, and may carry their satisfaction rating; one that did not is
counted and the task stays open. Every call is in the ticket's audit trail.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback.db import CallbackRow, TicketRow
from feedback.exceptions import TicketNotFound
from feedback.privacy import mask_phone
from feedback.schemas import CallbackDone, CallbackTask, Kind, Status
from feedback.service import TicketService, _aware


def callback_queue(service: TicketService, include_done: bool = False) -> list[CallbackTask]:
    """Open callbacks, oldest first (and, on request, the finished ones)."""
    with service.sessions() as session:
        query = select(CallbackRow, TicketRow).join(
            TicketRow, TicketRow.ticket_id == CallbackRow.ticket_id
        )
        if not include_done:
            query = query.where(CallbackRow.done_at.is_(None))
        pairs = session.execute(query.order_by(CallbackRow.id)).all()
        return [_task(service, callback, ticket) for callback, ticket in pairs]


def record_call(
    service: TicketService, ticket_id: str, actor: str, call: CallbackDone
) -> CallbackTask:
    """Record one callback call on the ticket's open task (TicketNotFound if there is none)."""
    with service.sessions.begin() as session:
        callback, ticket = _open(session, ticket_id)
        status = Status(ticket.status)
        if call.outcome == "unreachable":
            callback.attempts += 1
            note = f"回访未接通（第{callback.attempts}次）{call.note}"
            service._audit(
                session, ticket, actor, "callback_unreachable", status, status, note, public=False
            )
        else:
            callback.done_at, callback.done_by = service.clock(), actor
            note = f"已电话回访，告知答复。{call.note}"
            service._audit(session, ticket, actor, "callback", status, status, note, public=False)
            if call.rating is not None:
                service._rate(session, ticket, call.rating, call.note, actor)
        return _task(service, callback, ticket)


def reveal_callback_contact(service: TicketService, ticket_id: str, actor: str) -> str | None:
    """The unmasked contact of a ticket with an open callback (audited by `reveal_contact`)."""
    with service.sessions() as session:
        _open(session, ticket_id)
    return service.reveal_contact(ticket_id, None, actor)


def _open(session: Session, ticket_id: str) -> tuple[CallbackRow, TicketRow]:
    found = session.execute(
        select(CallbackRow, TicketRow)
        .join(TicketRow, TicketRow.ticket_id == CallbackRow.ticket_id)
        .where(CallbackRow.ticket_id == ticket_id, CallbackRow.done_at.is_(None))
    ).first()
    if found is None:
        raise TicketNotFound(f"no open callback for ticket {ticket_id}")
    return found[0], found[1]


def _task(service: TicketService, callback: CallbackRow, ticket: TicketRow) -> CallbackTask:
    contact = service.cipher.decrypt(ticket.contact_enc) if ticket.contact_enc else None
    return CallbackTask(
        ticket_id=ticket.ticket_id,
        kind=Kind(ticket.kind),
        department=ticket.department,
        channel=ticket.channel,
        status=Status(ticket.status),
        text=service.text_of(ticket),
        answered_at=_aware(callback.created_at),
        reply=ticket.latest_reply,
        contact_masked=mask_phone(contact) if contact else None,
        attempts=callback.attempts,
        done_at=_aware(callback.done_at) if callback.done_at else None,
        done_by=callback.done_by,
    )
