"""POST /api/chat: the plain REST form of the web channel."""

from __future__ import annotations

from fastapi import APIRouter

from channels.dependencies import ConversationsDep
from channels.messages import InboundMessage
from channels.observability import request_id_var
from channels.web.schemas import ChatMessage, ChatRequest, ChatResponse

router = APIRouter(tags=["web chat"])


@router.post("/api/chat", response_model=ChatResponse)
async def chat(body: ChatRequest, conversations: ConversationsDep) -> ChatResponse:
    """Send one citizen message; get the assistant's replies."""
    inbound = InboundMessage(channel="web", sender_id=body.sender_id, text=body.text)
    replies = await conversations.handle(inbound, request_id_var.get())
    return ChatResponse(messages=[ChatMessage(text=r.text, buttons=r.buttons, link=r.link) for r in replies])
