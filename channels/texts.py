"""Load the gateway's own citizen-facing texts from texts.yml."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict

TEXTS_FILE = Path(__file__).with_name("texts.yml")


class Texts(BaseModel):
    """Every text the gateway itself says to citizens."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    busy: str
    no_reply: str
    rate_limited: str
    too_long: str
    empty: str
    handoff_waiting: str
    handoff_released: str
    unsupported: str
    welcome: str


def load_texts(path: Path = TEXTS_FILE) -> Texts:
    """Parse and validate the texts file."""
    return Texts.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
