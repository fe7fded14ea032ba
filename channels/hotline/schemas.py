"""HTTP bodies of the hotline agent-assist API."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

Utterance = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class CallCreate(BaseModel):
    """Open a call session; the caller number is optional and masked everywhere it is shown."""

    caller_number: Annotated[str, StringConstraints(pattern=r"^\+?[0-9-]{3,20}$")] | None = None
    agent_id: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None


class CallOpened(BaseModel):
    call_id: str
    started_at: float


class UtteranceIn(BaseModel):
    """One transcribed utterance, as a speech recogniser streams it."""

    speaker: Literal["caller", "agent"]
    text: Utterance


class TranscriptEntry(BaseModel):
    """One recorded utterance of a call."""

    speaker: Literal["caller", "agent"]
    text: str
    ts: float = Field(description="Unix time")


class CallTranscript(BaseModel):
    """A call's transcript so far."""

    call_id: str
    transcript: list[TranscriptEntry]


class GuideVotes(BaseModel):
    """How often agents used a guide's suggestion, or found it not helpful."""

    used: int = 0
    not_helpful: int = 0


class SuggestionReport(BaseModel):
    """Which guides agents found useful, and which questions lacked a good answer."""

    guides: dict[str, GuideVotes]
    questions_lacking_good_answers: list[str] = Field(description="the latest 100")


class Suggestion(BaseModel):
    """A suggested answer for the agent."""

    guide_id: str
    title: str
    department: str
    aspect: str
    snippet: str
    confidence: float


class TicketDraft(BaseModel):
    """A pre-filled ticket the agent edits and submits in one click."""

    kind: str
    department: str | None
    summary: str
    location: str | None = None
    contact: str | None = None
    confidence: float = 0.0
    alternatives: list[dict[str, object]] = Field(default_factory=list)


class UtteranceResult(BaseModel):
    """What the console shows after each caller utterance."""

    call_id: str
    query: str = Field(description="the caller's words the suggestions were searched for")
    intent: str
    suggestions: list[Suggestion]
    ticket_draft: TicketDraft | None = None
    emergency: str | None = None
    degraded: list[Literal["intent", "search", "routing"]] = Field(
        default_factory=list,
        description="steps left out because they missed their deadline or failed",
    )
    latency_ms: float


class SuggestionFeedback(BaseModel):
    """An agent's verdict on a suggestion."""

    guide_id: str
    verdict: Literal["used", "not_helpful"]
    question: Annotated[str, StringConstraints(max_length=2000)] = ""


class DraftSubmit(BaseModel):
    """The (edited) ticket draft the agent submits."""

    kind: Literal["complaint", "suggestion", "consultation", "praise", "report"]
    department: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = (
        Field(default=None, description="name or code; empty: routed automatically")
    )
    summary: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=4000)]
    location: Annotated[str, StringConstraints(max_length=200)] | None = None
    contact: Annotated[str, StringConstraints(max_length=50)] | None = None


class AgentReply(BaseModel):
    """An agent's reply into a handed-off citizen conversation."""

    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
