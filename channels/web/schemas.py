"""HTTP bodies of the web chat API."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

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


class HistoryTurn(BaseModel):
    """One turn of a conversation as the gateway recorded it."""

    model_config = ConfigDict(extra="allow")

    role: str = Field(description="user, bot or agent")
    text: str
    ts: float | None = Field(None, description="Unix time")
    buttons: list[Button] = Field(default_factory=list)
    link: str | None = None


class HistoryResponse(BaseModel):
    """The turns of a conversation, oldest first."""

    turns: list[HistoryTurn]


class AnswerFeedback(BaseModel):
    """A citizen's verdict on one answer."""

    sender_id: SenderId
    answer: Annotated[str, StringConstraints(min_length=1, max_length=500)] = Field(
        description="the answer's text (its first 500 characters)"
    )
    helpful: bool
    question: Annotated[str, StringConstraints(max_length=2000)] = Field(
        "", description="what the citizen asked; used when the history does not hold the answer"
    )
    guide_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")] | None = Field(
        None, description="the service guide the answer came from, when the client knows it"
    )


class SocketIn(BaseModel):
    """One message from the widget over the WebSocket."""

    text: ChatText
