"""Agent console API for callbacks (回访): answers to relay by phone, and each call's outcome."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from channels.dependencies import AgentDep
from feedback.api import TicketId, TicketsDep, _call
from feedback.callbacks import callback_queue, record_call, reveal_callback_contact
from feedback.schemas import CallbackDone, CallbackTask

router = APIRouter(prefix="/api/agent/callbacks", tags=["agent console"])


@router.get("", response_model=list[CallbackTask])
async def open_callbacks(_: AgentDep, tickets: TicketsDep, include_done: bool = False) -> Any:
    """Answered tickets whose citizens have no push channel, oldest first; contacts masked."""
    return await _call(callback_queue, tickets, include_done)


@router.post("/{ticket_id}/contact")
async def callback_contact(ticket_id: TicketId, _: AgentDep, tickets: TicketsDep) -> dict[str, Any]:
    """The citizen's number, to call them; only while the callback is open (the reveal is in
    the ticket's audit trail)."""
    return {"contact": await _call(reveal_callback_contact, tickets, ticket_id, "agent")}


@router.post("/{ticket_id}/calls", response_model=CallbackTask)
async def record_callback(
    ticket_id: TicketId, body: CallbackDone, _: AgentDep, tickets: TicketsDep
) -> Any:
    """Record a call: `reached` closes the task (with the rating asked, if any), `unreachable`
    counts a try and keeps it open. 404 when the ticket has no open callback."""
    return await _call(record_call, tickets, ticket_id, "agent", body)
