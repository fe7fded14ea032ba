"""HTTP bodies of the web chat API."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from channels.messages import Button, SenderId

ChatText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class ChatRequest(BaseModel):
    """One citizen message from the web widget or an API client."""

    sender_id: SenderId = Field(
        description="stable id of the citizen's browser/session (letters, digits, -_.:@)"
    )
    text: ChatText


class ChatMessage(BaseModel):
    """One bot message as the widget shows it."""

    text: str
    buttons: list[Button] = Field(default_factory=list)
    link: str | None = None


class ChatResponse(BaseModel):
    """The bot's replies to one message."""

    messages: list[ChatMessage]


class HistoryResponse(BaseModel):
    """The turns of a conversation: role (user, bot, agent), text, buttons, link, time."""

    turns: list[dict[str, object]]


class AnswerFeedback(BaseModel):
    """A citizen's verdict on one answer."""

    sender_id: SenderId
    answer: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    helpful: bool


class SocketIn(BaseModel):
    """One message from the widget over the WebSocket."""

    text: ChatText
