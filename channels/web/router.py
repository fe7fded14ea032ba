"""The web channel: REST and WebSocket chat, history, polling fallback, answer feedback, widget."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, WebSocket, WebSocketDisconnect
from fastapi.responses import FileResponse, HTMLResponse
from pydantic import ValidationError

from channels.answer_feedback import record_feedback
from channels.conversation import ConversationService
from channels.dependencies import ConversationsDep, SettingsDep, StoreDep
from channels.errors import error_responses
from channels.limits import check_message_length, too_long_text
from channels.messages import InboundMessage, SenderId
from channels.observability import request_id_var
from channels.push import drain_inbox, push_channel
from channels.web.schemas import (
    AnswerFeedback,
    ChatMessage,
    ChatRequest,
    ChatResponse,
    HistoryResponse,
    HistoryTurn,
    SocketIn,
)

router = APIRouter(tags=["web chat"])
STATIC = Path(__file__).with_name("static")
log = logging.getLogger("govassist.web")
SenderQuery = Annotated[SenderId, Query(description="the widget's sender id")]


def _to_chat(replies: list[Any]) -> list[ChatMessage]:
    return [ChatMessage(text=r.text, buttons=r.buttons, link=r.link) for r in replies]


@router.post("/api/chat", response_model=ChatResponse, responses=error_responses(403, 413, 422))
async def chat(
    body: ChatRequest, conversations: ConversationsDep, settings: SettingsDep
) -> ChatResponse:
    """Send one citizen message; get the assistant's replies."""
    check_message_length(body.text, settings.max_message_chars, conversations.texts)
    inbound = InboundMessage(channel="web", sender_id=body.sender_id, text=body.text)
    return ChatResponse(
        messages=_to_chat(await conversations.handle(inbound, request_id_var.get()))
    )


@router.get(
    "/api/chat/history", response_model=HistoryResponse, responses=error_responses(403, 422)
)
async def history(sender_id: SenderQuery, store: StoreDep) -> HistoryResponse:
    """The conversation so far (kept across page reloads)."""
    turns = await store.history(f"web:{sender_id}")
    return HistoryResponse(turns=[HistoryTurn.model_validate(t) for t in turns])


@router.get("/api/chat/poll", response_model=ChatResponse, responses=error_responses(403, 422))
async def poll(sender_id: SenderQuery, store: StoreDep) -> ChatResponse:
    """REST fallback: messages pushed while no WebSocket was open (agent replies, notices)."""
    waiting = await drain_inbox(store.redis, f"web:{sender_id}")
    return ChatResponse(messages=[ChatMessage.model_validate(m) for m in waiting])


@router.post("/api/chat/feedback", status_code=204, responses=error_responses(403, 413, 422))
async def answer_feedback(body: AnswerFeedback, store: StoreDep) -> None:
    """Helpful / not helpful on an answer; agents list the unhelpful ones to improve the KB."""
    await record_feedback(store, body)


async def _pump_pushes(websocket: WebSocket, store: Any, conversation_id: str) -> None:
    pubsub = store.redis.pubsub()
    await pubsub.subscribe(push_channel(conversation_id))
    try:
        waiting = await drain_inbox(store.redis, conversation_id)
        if waiting:
            await websocket.send_json({"type": "push", "messages": waiting})
        async for item in pubsub.listen():
            if item.get("type") == "message":
                await websocket.send_json({"type": "push", "messages": json.loads(item["data"])})
    finally:
        await pubsub.unsubscribe()
        await pubsub.aclose()


def _socket_error(errors: list[str], message: str, limit: int) -> dict[str, Any]:
    """An error frame: `message` is the Chinese text the widget shows, `detail` the reasons."""
    return {"type": "error", "detail": errors, "message": message, "max_chars": limit}


async def _serve_socket(
    websocket: WebSocket, conversations: ConversationService, sender_id: str, limit: int
) -> None:
    texts = conversations.texts
    while True:
        raw = await websocket.receive_text()
        try:
            incoming = SocketIn.model_validate_json(raw)
        except ValidationError as exc:
            too_long = any(e["type"] == "string_too_long" for e in exc.errors())
            message = too_long_text(texts, limit) if too_long else texts.empty
            frame = _socket_error([e["msg"] for e in exc.errors()], message, limit)
            await websocket.send_json(frame)
            continue
        if len(incoming.text) > limit:
            message = too_long_text(texts, limit)
            await websocket.send_json(_socket_error([message], message, limit))
            continue
        await websocket.send_json({"type": "typing"})
        replies = await conversations.handle(
            InboundMessage(channel="web", sender_id=sender_id, text=incoming.text)
        )
        await websocket.send_json(
            {"type": "messages", "messages": [m.model_dump() for m in _to_chat(replies)]}
        )


@router.websocket("/ws/chat")
async def chat_socket(
    websocket: WebSocket, sender_id: str = Query(..., min_length=1, max_length=128)
) -> None:
    """WebSocket chat: send {"text"}; receive typing, messages and pushed messages."""
    if not sender_id.replace("-", "").replace("_", "").replace(".", "").isalnum():
        await websocket.close(code=1008, reason="invalid sender_id")
        return
    origin = websocket.headers.get("origin")
    if not websocket.app.state.origins.allows(origin, websocket.headers.get("host")):
        log.warning("web.socket.origin_refused", extra={"ctx_origin": origin})
        await websocket.close(code=1008, reason="origin not allowed")  # before accept: HTTP 403
        return
    await websocket.accept()
    state = websocket.app.state
    pump = asyncio.create_task(
        _pump_pushes(websocket, state.conversation_store, f"web:{sender_id}")
    )
    try:
        await _serve_socket(
            websocket, state.conversations, sender_id, state.settings.max_message_chars
        )
    except WebSocketDisconnect:
        pass
    finally:
        pump.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await pump


@router.get("/widget/govassist-widget.js", include_in_schema=False)
async def widget_js() -> FileResponse:
    return FileResponse(
        STATIC / "govassist-widget.js",
        media_type="application/javascript",
        headers={"Cache-Control": "no-cache"},
    )


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def demo_page() -> HTMLResponse:
    """A demo city-portal page with the widget embedded by one script tag."""
    return HTMLResponse((STATIC / "demo.html").read_text(encoding="utf-8"))
