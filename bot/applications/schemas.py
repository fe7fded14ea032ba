"""Pydantic models at the boundary of the application store."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class FilledField(BaseModel):
    """One field as the citizen filled it (value None when skipped)."""

    model_config = ConfigDict(frozen=True)

    name: str
    label: str
    value: str | None
    pii: str = "none"


class GuideSnapshot(BaseModel):
    """The parts of the guide the document prints, frozen when the application was made."""

    model_config = ConfigDict(frozen=True)

    guide_id: str
    title: str
    form_title: str
    department: str
    materials: list[str] = Field(default_factory=list)
    locations: list[str] = Field(default_factory=list)
    online: str | None = None
    phone: str = ""
    steps: list[str] = Field(default_factory=list)


class ApplicationCreate(BaseModel):
    """What the dialogue hands over on confirmation."""

    guide: GuideSnapshot
    fields: list[FilledField]
    channel: str
    sender_id: str


class StoredApplication(BaseModel):
    """An application as stored, with its reference number and unguessable document token."""

    reference: str
    token: str
    created_at: datetime
    guide: GuideSnapshot
    fields: list[FilledField]
    channel: str
