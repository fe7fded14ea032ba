"""Routing corrections: a ticket returned by a department and re-routed becomes a training example.

The file is JSON Lines, one object per correction, in the format `model.training_examples` reads
(`text`, `kind`, `department` = the right department, plus `wrong_department` for the record).
`feedback.factory.CorrectionLog` writes the same format for the ticket service.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, field_validator

from feedback.privacy import redact
from feedback.schemas import Kind

DEFAULT_STORE = Path("var") / "routing" / "corrections.jsonl"


class Correction(BaseModel):
    """One re-routed message."""

    text: str
    wrong_department: str
    department: str
    kind: Kind

    @field_validator("text", "wrong_department", "department")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()


def corrections_path(data_dir: Path) -> Path:
    """Where corrections live under a data directory (`<data_dir>/routing/corrections.jsonl`)."""
    return data_dir / "routing" / "corrections.jsonl"


def record_correction(
    text: str,
    wrong_department: str,
    right_department: str,
    kind: str | Kind,
    store_path: Path = DEFAULT_STORE,
) -> Correction:
    """Append one correction to `store_path` (created with its folder when missing)."""
    correction = Correction(
        text=redact(text),
        wrong_department=wrong_department,
        department=right_department,
        kind=Kind(kind),
    )
    store_path.parent.mkdir(parents=True, exist_ok=True)
    with store_path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(correction.model_dump(mode="json"), ensure_ascii=False) + "\n")
    return correction


def read_corrections(store_path: Path) -> list[Correction]:
    """All corrections recorded so far (none when the file does not exist)."""
    if not store_path.exists():
        return []
    lines = store_path.read_text(encoding="utf-8").splitlines()
    return [Correction.model_validate_json(line) for line in lines if line.strip()]
