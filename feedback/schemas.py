"""Typed boundary models of the feedback loop: what comes in, what each audience sees."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints


class Kind(StrEnum):
    """What a citizen's message is."""

    COMPLAINT = "complaint"
    SUGGESTION = "suggestion"
    CONSULTATION = "consultation"
    PRAISE = "praise"
    REPORT = "report"


class Status(StrEnum):
    """Ticket lifecycle states (values are the Chinese terms used in 12345 practice)."""

    RECEIVED = "受理"
    MANUAL = "人工派单"
    DISPATCHED = "派单"
    ACCEPTED = "签收"
    IN_PROGRESS = "办理中"
    EXTENSION_REQUESTED = "延期申请中"
    ANSWERED = "已答复"
    CLOSED = "办结"
    RETURNED = "退回"


class Deadline(StrEnum):
    """Where an open ticket stands against its deadline (shown to departments, filterable)."""

    ON_TIME = "正常"
    NEAR = "即将超期"  # due within one working day
    OVERDUE = "已超期"


class Satisfaction(StrEnum):
    SATISFIED = "满意"
    BASICALLY = "基本满意"
    UNSATISFIED = "不满意"


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=4000)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]


class Alternative(BaseModel):
    department: str
    confidence: float


class RoutingDecision(BaseModel):
    """The classifier's verdict on a message."""

    kind: Kind
    department: str
    confidence: float
    alternatives: list[Alternative] = Field(default_factory=list)
    manual: bool = False


class FeedbackCreate(BaseModel):
    """A complaint, suggestion … from any channel."""

    model_config = ConfigDict(str_strip_whitespace=True)

    text: Text
    channel: Annotated[str, StringConstraints(pattern=r"^(web|wechat|hotline|api|open311)$")]
    sender_id: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    location: Short | None = None
    contact: Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)] | None = None


class TicketEvent(BaseModel):
    """One entry of a ticket's public history."""

    at: datetime
    status: str
    note: str = ""


class TicketPublic(BaseModel):
    """The citizen's view: no contact details, no internal notes."""

    ticket_id: str
    kind: Kind
    department: str | None
    status: Status
    due_at: datetime | None
    created_at: datetime | None = None
    latest_reply: str | None = None
    rating: Satisfaction | None = None
    history: list[TicketEvent] = Field(default_factory=list)


class TicketDepartmentView(TicketPublic):
    """What the responsible department sees: the text, masked contact, deadlines."""

    text: str
    location: str | None
    contact_masked: str | None
    overdue: bool
    deadline: Deadline | None = Field(
        None, description="正常 / 即将超期 / 已超期 while the department owes an answer"
    )
    escalated: bool = False
    escalation_reason: str | None = Field(
        None, description="the latest 督办's reason (超期督办 when the deadline sweep escalated)"
    )
    return_count: int
    channel: str


class ReplyBody(BaseModel):
    text: Text


class ReasonBody(BaseModel):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=500)]


class ExtensionBody(ReasonBody):
    days: int = Field(ge=1, le=30)


class DispatchBody(BaseModel):
    department: Annotated[str, StringConstraints(min_length=2, max_length=40)]


class RatingBody(BaseModel):
    rating: Satisfaction
    comment: Annotated[str, StringConstraints(max_length=500)] = ""


class CallbackTask(BaseModel):
    """回访: an answered ticket whose citizen has no push channel; a hotline agent phones them."""

    ticket_id: str
    kind: Kind
    department: str | None
    channel: str
    status: Status
    text: str = Field(description="the citizen's request, as filed (what the call is about)")
    answered_at: datetime
    reply: str | None
    contact_masked: str | None
    attempts: int = Field(description="calls so far that did not reach the citizen")
    done_at: datetime | None = None
    done_by: str | None = None


class CallbackDone(BaseModel):
    """The agent's call: the citizen was told the answer (reached) or did not pick up."""

    outcome: Literal["reached", "unreachable"]
    rating: Satisfaction | None = None  # asked on the call (回访满意度)
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""
