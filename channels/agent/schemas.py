"""HTTP bodies of the agent console API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


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
