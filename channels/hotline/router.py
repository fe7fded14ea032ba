"""Hotline agent-assist API: calls, streamed utterances, live events, drafts, suggestion votes."""

from __future__ import annotations

import functools
import json
import time
from collections.abc import AsyncIterator
from typing import Annotated

import anyio
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import StreamingResponse

from channels.dependencies import AgentDep
from channels.errors import error_responses
from channels.hotline.assist import CallNotFound, HotlineAssistant
from channels.hotline.schemas import (
    CallCreate,
    CallOpened,
    CallTranscript,
    DraftSubmit,
    GuideVotes,
    SuggestionFeedback,
    SuggestionReport,
    TranscriptEntry,
    UtteranceIn,
    UtteranceResult,
)
from channels.limits import check_message_length
from feedback.schemas import FeedbackCreate, Kind, TicketPublic

router = APIRouter(
    prefix="/api/hotline", tags=["hotline agent assist"], responses=error_responses(401, 422)
)


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


SSE_EVENT = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "event": {"type": "string"},
        "data": {"type": "string", "description": "one event as JSON"},
    },
}


class EventStream(StreamingResponse):
    """Server-sent events (declared as such in the OpenAPI schema)."""

    media_type = "text/event-stream"


@router.post("/calls", response_model=CallOpened, status_code=201, responses=error_responses(413))
async def open_call(body: CallCreate, assistant: AssistantDep, _: AgentDep) -> CallOpened:
    """Open a call session."""
    call_id, started = await assistant.open_call(body.caller_number, body.agent_id)
    return CallOpened(call_id=call_id, started_at=started)


@router.post(
    "/calls/{call_id}/utterances",
    response_model=UtteranceResult | None,
    responses=error_responses(404, 413),
)
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


@router.get("/calls/{call_id}", response_model=CallTranscript, responses=error_responses(404))
async def get_call(call_id: str, assistant: AssistantDep, _: AgentDep) -> CallTranscript:
    """The call's transcript so far."""
    try:
        entries = await assistant.transcript(call_id)
        return CallTranscript(
            call_id=call_id, transcript=[TranscriptEntry.model_validate(e) for e in entries]
        )
    except CallNotFound:
        raise HTTPException(status_code=404, detail=f"no open call '{call_id}'") from None


@router.get(
    "/calls/{call_id}/events",
    response_class=EventStream,
    responses={
        200: {
            "description": "server-sent events: `id` (pass it as `after`), `data` (JSON)",
            "content": {"text/event-stream": {"schema": SSE_EVENT}},
        },
        **error_responses(401, 404, 422, by_ref=True),
    },
)
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


@router.post(
    "/calls/{call_id}/ticket",
    status_code=201,
    response_model=TicketPublic,
    responses=error_responses(413, 503),
)
async def submit_draft(
    call_id: str, body: DraftSubmit, request: Request, _: AgentDep
) -> TicketPublic:
    """Submit the (edited) ticket draft as a real ticket.

    The agent's kind and department are kept; only an empty department is routed automatically.
    """
    tickets = getattr(request.app.state, "tickets", None)
    if tickets is None:
        raise HTTPException(status_code=503, detail="ticket service not available")
    if body.department and tickets.department(body.department) is None:
        reason = f"unknown department '{body.department}'"
        raise RequestValidationError(
            [{"loc": ("body", "department"), "msg": reason, "type": "value_error"}]
        )
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
    return ticket  # type: ignore[no-any-return]


@router.post("/suggestions/feedback", status_code=204, responses=error_responses(413))
async def suggestion_feedback(body: SuggestionFeedback, request: Request, _: AgentDep) -> None:
    """Record whether a suggestion was used or not helpful."""
    fields = {
        "guide_id": body.guide_id,
        "verdict": body.verdict,
        "question": body.question,
        "ts": str(int(time.time())),
    }
    await request.app.state.redis.xadd("govassist:suggestion_feedback", fields, maxlen=100_000)


@router.get("/suggestions/report", response_model=SuggestionReport)
async def suggestion_report(request: Request, _: AgentDep) -> SuggestionReport:
    """Which guides agents found useful, and which questions lacked a good answer."""
    entries = await request.app.state.redis.xrange("govassist:suggestion_feedback", count=100_000)
    per_guide: dict[str, GuideVotes] = {}
    unanswered: list[str] = []
    for _, raw in entries:
        fields = {
            (k.decode() if isinstance(k, bytes) else k): (v.decode() if isinstance(v, bytes) else v)
            for k, v in raw.items()
        }
        votes = per_guide.setdefault(fields["guide_id"], GuideVotes())
        if fields["verdict"] == "used":
            votes.used += 1
        else:
            votes.not_helpful += 1
        if fields["verdict"] == "not_helpful" and fields.get("question"):
            unanswered.append(fields["question"])
    return SuggestionReport(guides=per_guide, questions_lacking_good_answers=unanswered[-100:])
