"""Agent console API: conversations handed off to a human, replies to the citizen, release."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse

from channels.agent.schemas import Handoff, HandoffQueue, Released, ReplySent, UnhelpfulAnswers
from channels.answer_feedback import unhelpful_answers
from channels.dependencies import AgentDep, StoreDep
from channels.errors import error_responses
from channels.hotline.schemas import AgentReply
from channels.messages import OutboundMessage
from channels.push import CitizenNotifier

router = APIRouter(tags=["agent console"], responses=error_responses(401, 422))
CONSOLE = Path(__file__).with_name("console.html")
ConversationId = Annotated[str, PathParam(pattern=r"^(web|wechat|api):[\w.:@-]{1,128}$")]


@router.get("/api/agent/handoffs", response_model=HandoffQueue)
async def handoff_queue(store: StoreDep, _: AgentDep) -> HandoffQueue:
    """Conversations waiting for a human, oldest first, with their recent history."""
    items = []
    for conversation_id in await store.handoff_queue():
        record = await store.handoff(conversation_id)
        if record is None:
            continue
        history = (await store.history(conversation_id))[-30:]
        items.append(
            Handoff.model_validate(
                {**record, "conversation_id": conversation_id, "history": history}
            )
        )
    return HandoffQueue(handoffs=items)


@router.post(
    "/api/agent/handoffs/{conversation_id}/reply",
    status_code=202,
    response_model=ReplySent,
    responses=error_responses(409, 413),
)
async def reply(
    conversation_id: ConversationId,
    body: AgentReply,
    request: Request,
    store: StoreDep,
    _: AgentDep,
) -> ReplySent:
    """Send the agent's words to the citizen on their own channel."""
    if await store.handoff(conversation_id) is None:
        raise HTTPException(status_code=409, detail="conversation is not handed off to an agent")
    notifier = CitizenNotifier(store, request.app.state.wechat_sender)
    how = await notifier.notify(
        conversation_id, OutboundMessage(text=body.text, kind="info"), role="agent"
    )
    return ReplySent(delivered_via=how)


@router.post(
    "/api/agent/handoffs/{conversation_id}/release",
    status_code=200,
    response_model=Released,
    responses=error_responses(409),
)
async def release(
    conversation_id: ConversationId, request: Request, store: StoreDep, _: AgentDep
) -> Released:
    """Give the conversation back to the bot and tell the citizen."""
    if await store.handoff(conversation_id) is None:
        raise HTTPException(status_code=409, detail="conversation is not handed off to an agent")
    await store.release_handoff(conversation_id)
    await _reset_bot_state(request, conversation_id)
    notifier = CitizenNotifier(store, request.app.state.wechat_sender)
    await notifier.notify(
        conversation_id, OutboundMessage(text=request.app.state.texts.handoff_released), role="bot"
    )
    return Released()


async def _reset_bot_state(request: Request, conversation_id: str) -> None:
    """Clear the hand-off slot in Rasa so the bot answers again (best effort)."""
    await request.app.state.rasa.append_events(
        conversation_id, [{"event": "slot", "name": "handoff_active", "value": False}]
    )


@router.get("/api/agent/feedback/unhelpful", response_model=UnhelpfulAnswers)
async def unhelpful(
    store: StoreDep,
    _: AgentDep,
    limit: Annotated[int, Query(ge=1, le=1000, description="at most this many")] = 100,
) -> UnhelpfulAnswers:
    """Answers citizens marked 没帮助, newest first, with the question (personal data masked)."""
    return UnhelpfulAnswers(answers=await unhelpful_answers(store.redis, limit))


@router.get("/console/agent", response_class=HTMLResponse, include_in_schema=False)
async def console_page() -> HTMLResponse:
    """The 12345 agent console: live call assist and the hand-off queue."""
    return HTMLResponse(CONSOLE.read_text(encoding="utf-8"))
