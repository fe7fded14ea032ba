"""A problem found in a knowledge-base file, located by file and line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the knowledge base, as shown to the person editing it."""

    path: Path
    line: int
    message: str
    warning: bool = False  # warnings are reported but do not make the knowledge base invalid

    def __str__(self) -> str:
        kind = "warning" if self.warning else "error"
        return f"{self.path}:{self.line}: {kind}: {self.message}"
