"""Read the knowledge-base folder into models, collecting every problem with file and line.

Layout under the KB root:
    departments.yaml                 the departments catalogue
    guides/<department code>/*.yaml  one service guide per file
    lexicon/synonyms.yaml            synonym groups (驾照 = 机动车驾驶证 …)
    lexicon/stopwords.txt            filler words ignored by lexical search
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from knowledge.exceptions import CorpusInvalid
from knowledge.problems import Problem
from knowledge.schema import Department, ServiceGuide, SynonymGroup
from knowledge.store import KnowledgeBase
from knowledge.yamlfile import YamlDocument, read_yaml

DEPARTMENTS_FILE = "departments.yaml"
GUIDES_DIR = "guides"
SYNONYMS_FILE = "lexicon/synonyms.yaml"
STOPWORDS_FILE = "lexicon/stopwords.txt"

M = TypeVar("M", bound=BaseModel)


@dataclass
class ParsedCorpus:
    """Everything that parsed, where it came from, and the problems met on the way."""

    root: Path
    guides: list[tuple[ServiceGuide, YamlDocument]] = field(default_factory=list)
    invalid_guides: list[YamlDocument] = field(default_factory=list)  # failed the schema
    departments: list[tuple[Department, int]] = field(default_factory=list)
    synonyms: list[SynonymGroup] = field(default_factory=list)
    stopwords: frozenset[str] = frozenset()
    problems: list[Problem] = field(default_factory=list)


def parse_model(
    model: type[M], data: Any, doc: YamlDocument, base: tuple[str | int, ...] = ()
) -> M | list[Problem]:
    """Validate `data` as `model`; errors come back located in the YAML file."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = (*base, *err["loc"])
            where = ".".join(str(part) for part in loc) or "(document)"
            problems.append(Problem(doc.path, doc.line_of(loc), f"{where}: {err['msg']}"))
        return problems


def _parse_list(model: type[M], path: Path, key: str, corpus: ParsedCorpus) -> list[tuple[M, int]]:
    doc = read_yaml(path)
    if isinstance(doc, Problem):
        corpus.problems.append(doc)
        return []
    items = doc.data.get(key) if isinstance(doc.data, dict) else None
    if not isinstance(items, list):
        corpus.problems.append(Problem(path, 1, f"expected a top-level '{key}:' list"))
        return []
    parsed: list[tuple[M, int]] = []
    for i, item in enumerate(items):
        result = parse_model(model, item, doc, (key, i))
        if isinstance(result, list):
            corpus.problems.extend(result)
        else:
            parsed.append((result, doc.line_of((key, i))))
    return parsed


def _parse_guides(root: Path, corpus: ParsedCorpus) -> None:
    guide_dir = root / GUIDES_DIR
    if not guide_dir.is_dir():
        corpus.problems.append(Problem(guide_dir, 1, "guides folder is missing"))
        return
    for path in sorted(guide_dir.rglob("*.y*ml")):
        doc = read_yaml(path)
        if isinstance(doc, Problem):
            corpus.problems.append(doc)
            continue
        if not isinstance(doc.data, dict):
            corpus.problems.append(
                Problem(path, 1, "a guide file must hold one mapping (key: value)")
            )
            continue
        result = parse_model(ServiceGuide, doc.data, doc)
        if isinstance(result, list):
            corpus.problems.extend(result)
            corpus.invalid_guides.append(doc)
        else:
            corpus.guides.append((result, doc))


def _read_stopwords(path: Path) -> frozenset[str]:
    if not path.exists():
        return frozenset()
    words = (
        line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines()
    )
    return frozenset(w for w in words if w)


def parse_corpus(root: Path) -> ParsedCorpus:
    """Parse every file of the knowledge base; never stops at the first problem."""
    corpus = ParsedCorpus(root=root)
    if not root.is_dir():
        corpus.problems.append(Problem(root, 1, "knowledge-base folder does not exist"))
        return corpus
    corpus.departments = _parse_list(Department, root / DEPARTMENTS_FILE, "departments", corpus)
    if (root / SYNONYMS_FILE).exists():
        corpus.synonyms = [
            s for s, _ in _parse_list(SynonymGroup, root / SYNONYMS_FILE, "synonyms", corpus)
        ]
    corpus.stopwords = _read_stopwords(root / STOPWORDS_FILE)
    _parse_guides(root, corpus)
    return corpus


def content_hash(root: Path) -> str:
    """A hash of every KB file's path and bytes: changes whenever the content does."""
    digest = hashlib.sha256()
    for path in sorted(
        p for p in root.rglob("*") if p.is_file() and p.suffix in {".yaml", ".yml", ".txt"}
    ):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def load_knowledge_base(root: Path) -> KnowledgeBase:
    """Load and validate the KB; raises CorpusInvalid listing every problem."""
    from knowledge.validate import check_corpus

    corpus = parse_corpus(root)
    problems = [p for p in corpus.problems + check_corpus(corpus) if not p.warning]
    if problems:
        raise CorpusInvalid(sorted(problems))
    return KnowledgeBase(
        root=root,
        guides=tuple(g for g, _ in corpus.guides),
        departments=tuple(d for d, _ in corpus.departments),
        synonyms=tuple(corpus.synonyms),
        stopwords=corpus.stopwords,
        content_hash=content_hash(root),
    )
