"""Channel-neutral messages: what every adapter turns its protocol into, and what it renders."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

ChannelName = Literal["web", "wechat", "hotline", "api"]
SenderId = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=128, pattern=r"^[\w.:@-]+$"),
]


class Button(BaseModel):
    """A quick reply: what the citizen sees and what is sent back when chosen."""

    title: str
    payload: str


class OutboundMessage(BaseModel):
    """One bot message, before channel-specific rendering."""

    model_config = ConfigDict(extra="ignore")

    text: str = ""
    buttons: list[Button] = Field(default_factory=list)
    link: str | None = None
    kind: Literal["answer", "emergency", "handoff", "error", "info"] = "info"


class InboundMessage(BaseModel):
    """One citizen message from any channel."""

    channel: ChannelName
    sender_id: SenderId
    text: str
    msg_id: str | None = None
    metadata: dict[str, str] = Field(default_factory=dict)

    @property
    def conversation_id(self) -> str:
        """Rasa sender id: one conversation per channel user."""
        return f"{self.channel}:{self.sender_id}"
