"""Public result models of search (the JSON objects other packages and the API see)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

ASPECTS: tuple[str, ...] = (
    "overview",
    "conditions",
    "materials",
    "steps",
    "time_limit",
    "fees",
    "locations",
    "online",
    "phone",
    "legal_basis",
    "faq",
)


class SearchHit(BaseModel):
    """One guide found for a question, with its best-matching aspect and a snippet."""

    model_config = ConfigDict(frozen=True)

    guide_id: str
    title: str
    department: str
    aspect: str
    snippet: str
    score: float = Field(description="calibrated confidence in [0, 1]")


class SearchResult(BaseModel):
    """Ranked hits; `not_found` when nothing passes the threshold, `ambiguous` when top two tie."""

    model_config = ConfigDict(frozen=True)

    hits: list[SearchHit] = Field(default_factory=list)
    not_found: bool = False
    ambiguous: bool = False
    aspect: str | None = None
