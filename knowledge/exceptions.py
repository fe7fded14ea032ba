"""Knowledge-base errors.

KnowledgeError
 ├── CorpusInvalid   the files on disk do not form a valid knowledge base
 └── GuideNotFound   no guide with the requested id
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from knowledge.problems import Problem


class KnowledgeError(Exception):
    """Base class of knowledge-base errors."""


class CorpusInvalid(KnowledgeError):
    """Raised when loading a knowledge base that has problems; carries all of them."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        lines = "\n".join(str(p) for p in self.problems[:20])
        more = f"\n… and {len(self.problems) - 20} more" if len(self.problems) > 20 else ""
        super().__init__(f"{len(self.problems)} problem(s) in the knowledge base:\n{lines}{more}")


class GuideNotFound(KnowledgeError):
    """Raised when a guide id is not in the knowledge base."""
