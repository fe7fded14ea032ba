"""KnowledgeBase: the loaded, validated corpus with lookups by id, title and department."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from knowledge.exceptions import GuideNotFound
from knowledge.schema import Department, ServiceGuide, SynonymGroup


@dataclass(frozen=True)
class KnowledgeBase:
    """Immutable view of the service guides, departments and lexicon."""

    root: Path
    guides: tuple[ServiceGuide, ...]
    departments: tuple[Department, ...]
    synonyms: tuple[SynonymGroup, ...] = ()
    stopwords: frozenset[str] = frozenset()
    content_hash: str = ""
    _by_id: dict[str, ServiceGuide] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {g.id: g for g in self.guides})

    def guide(self, guide_id: str) -> ServiceGuide:
        """The guide with this id; raises GuideNotFound."""
        try:
            return self._by_id[guide_id]
        except KeyError:
            raise GuideNotFound(guide_id) from None

    def find_guide(self, guide_id: str) -> ServiceGuide | None:
        """The guide with this id, or None."""
        return self._by_id.get(guide_id)

    def guide_by_title(self, title: str) -> ServiceGuide | None:
        """The guide whose title is exactly `title`, or None."""
        return next((g for g in self.guides if g.title == title), None)

    def department(self, name_or_code: str) -> Department | None:
        """A department by its exact name or its code."""
        return next((d for d in self.departments if name_or_code in (d.name, d.code)), None)

    def guides_of(self, department_name: str) -> list[ServiceGuide]:
        """All guides a department is responsible for."""
        return [g for g in self.guides if g.department == department_name]

    def guides_with_form(self) -> list[ServiceGuide]:
        """Guides whose application the assistant can pre-fill."""
        return [g for g in self.guides if g.form is not None]
