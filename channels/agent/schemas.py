"""HTTP bodies of the agent console API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from channels.web.schemas import HistoryTurn


class Handoff(BaseModel):
    """A conversation waiting for a human agent, with its recent history."""

    model_config = ConfigDict(extra="allow")

    conversation_id: str = Field(description="channel:sender, e.g. web:w1abc")
    channel: str = ""
    reason: str = ""
    since: float | None = Field(None, description="Unix time of the hand-off")
    history: list[HistoryTurn] = Field(description="the last 30 turns")


class HandoffQueue(BaseModel):
    """Conversations waiting for a human, oldest first."""

    handoffs: list[Handoff]


class ReplySent(BaseModel):
    """How an agent's reply reached the citizen."""

    delivered_via: str = Field(
        description="customer_service, template, undeliverable (WeChat), web or history"
    )


class Released(BaseModel):
    """The conversation is back with the bot."""

    status: Literal["released"] = "released"


class UnhelpfulAnswer(BaseModel):
    """An answer a citizen marked "没帮助", with the question it answered (personal data masked)."""

    question: str = Field(description="the citizen's message the answer replied to; may be empty")
    answer: str = Field(description="the answer's text (first 500 characters)")
    guide_id: str | None = Field(None, description="the service guide answered, when known")
    channel: str
    at: datetime


class UnhelpfulAnswers(BaseModel):
    """Answers marked not helpful, newest first: where the knowledge base needs work."""

    answers: list[UnhelpfulAnswer]
