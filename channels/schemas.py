"""HTTP bodies of the gateway's own endpoints (health)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class Health(BaseModel):
    """Readiness: every part and its state; 503 until all are "ok"."""

    status: Literal["ok", "starting"]
    parts: dict[str, str] = Field(description='redis, search, rasa, …: "ok" or what is wrong')


class Liveness(BaseModel):
    """The process is up."""

    status: Literal["alive"] = "alive"
