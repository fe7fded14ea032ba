"""Hotline agent-assist API: calls, streamed utterances, live events, drafts, suggestion votes."""

from __future__ import annotations

import functools
import json
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import StreamingResponse

from channels.dependencies import AgentDep
from channels.hotline.assist import CallNotFound, HotlineAssistant
from channels.hotline.schemas import (
    CallCreate,
    CallOpened,
    DraftSubmit,
    SuggestionFeedback,
    UtteranceIn,
    UtteranceResult,
)
from channels.limits import check_message_length

router = APIRouter(prefix="/api/hotline", tags=["hotline agent assist"])


def get_assistant(request: Request) -> HotlineAssistant:
    state = request.app.state
    return HotlineAssistant(
        state.redis,
        state.search,
        getattr(state, "router", None),
        state.rasa.parse_intent,
        state.metrics,
        top_k=min(state.settings.search_top_k, 5),
        step_deadline_s=state.settings.hotline_step_deadline_ms / 1000,
    )


AssistantDep = Annotated[HotlineAssistant, Depends(get_assistant)]


@router.post("/calls", response_model=CallOpened, status_code=201)
async def open_call(body: CallCreate, assistant: AssistantDep, _: AgentDep) -> CallOpened:
    """Open a call session."""
    call_id, started = await assistant.open_call(body.caller_number, body.agent_id)
    return CallOpened(call_id=call_id, started_at=started)


@router.post("/calls/{call_id}/utterances", response_model=UtteranceResult | None)
async def add_utterance(
    call_id: str, body: UtteranceIn, request: Request, assistant: AssistantDep, _: AgentDep
) -> UtteranceResult | None:
    """One transcribed utterance; a caller's gets suggestions, intent and maybe a ticket draft."""
    state = request.app.state
    check_message_length(body.text, state.settings.max_message_chars, state.texts)
    try:
        return await assistant.add_utterance(call_id, body.speaker, body.text)
    except CallNotFound:
        raise HTTPException(status_code=404, detail=f"no open call '{call_id}'") from None


@router.get("/calls/{call_id}")
async def get_call(call_id: str, assistant: AssistantDep, _: AgentDep) -> dict[str, Any]:
    """The call's transcript so far."""
    try:
        return {"call_id": call_id, "transcript": await assistant.transcript(call_id)}
    except CallNotFound:
        raise HTTPException(status_code=404, detail=f"no open call '{call_id}'") from None


@router.get("/calls/{call_id}/events", response_class=StreamingResponse)
async def call_events(
    call_id: str,
    assistant: AssistantDep,
    _: AgentDep,
    once: Annotated[
        bool, Query(description="return after the first batch (polling clients)")
    ] = False,
    after: Annotated[
        str, Query(pattern=r"^\d{1,20}-\d{1,20}$", description="only events after this event id")
    ] = "0-0",
) -> StreamingResponse:
    """Server-sent events: every utterance and assist result of the call, live."""
    try:
        await assistant.transcript(call_id)
    except CallNotFound:
        raise HTTPException(status_code=404, detail=f"no open call '{call_id}'") from None

    async def stream() -> AsyncIterator[str]:
        last = after
        deadline = time.monotonic() + 3600
        while time.monotonic() < deadline:
            batch = await assistant.events(call_id, last, block_ms=1000 if once else 15000)
            for event_id, event in batch:
                last = event_id
                yield f"id: {event_id}\ndata: {json.dumps(event, ensure_ascii=False)}\n\n"
            if once:
                return
            if not batch:
                yield ": keep-alive\n\n"

    return StreamingResponse(stream(), media_type="text/event-stream")


@router.post("/calls/{call_id}/ticket", status_code=201)
async def submit_draft(
    call_id: str, body: DraftSubmit, request: Request, _: AgentDep
) -> dict[str, Any]:
    """Submit the (edited) ticket draft as a real ticket.

    The agent's kind and department are kept; only an empty department is routed automatically.
    """
    tickets = getattr(request.app.state, "tickets", None)
    if tickets is None:
        raise HTTPException(status_code=503, detail="ticket service not available")
    from feedback.schemas import FeedbackCreate, Kind

    if body.department and tickets.department(body.department) is None:
        raise HTTPException(status_code=422, detail=f"unknown department '{body.department}'")
    create = FeedbackCreate(
        text=body.summary,
        channel="hotline",
        sender_id=call_id,
        location=body.location,
        contact=body.contact,
    )
    ticket = await anyio.to_thread.run_sync(
        functools.partial(
            tickets.submit, create, department_hint=body.department, kind_hint=Kind(body.kind)
        )
    )
    return ticket.model_dump(mode="json")  # type: ignore[no-any-return]


@router.post("/suggestions/feedback", status_code=204)
async def suggestion_feedback(body: SuggestionFeedback, request: Request, _: AgentDep) -> None:
    """Record whether a suggestion was used or not helpful."""
    fields = {
        "guide_id": body.guide_id,
        "verdict": body.verdict,
        "question": body.question,
        "ts": str(int(time.time())),
    }
    await request.app.state.redis.xadd("govassist:suggestion_feedback", fields, maxlen=100_000)


@router.get("/suggestions/report")
async def suggestion_report(request: Request, _: AgentDep) -> dict[str, Any]:
    """Which guides agents found useful, and which questions lacked a good answer."""
    entries = await request.app.state.redis.xrange("govassist:suggestion_feedback", count=100_000)
    per_guide: dict[str, dict[str, int]] = {}
    unanswered: list[str] = []
    for _, raw in entries:
        fields = {
            (k.decode() if isinstance(k, bytes) else k): (v.decode() if isinstance(v, bytes) else v)
            for k, v in raw.items()
        }
        counts = per_guide.setdefault(fields["guide_id"], {"used": 0, "not_helpful": 0})
        counts[fields["verdict"]] += 1
        if fields["verdict"] == "not_helpful" and fields.get("question"):
            unanswered.append(fields["question"])
    return {"guides": per_guide, "questions_lacking_good_answers": unanswered[-100:]}
