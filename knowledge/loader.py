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
from typing import Annotated, Any, TypeVar, get_args, get_origin

from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

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
    # failed the schema: what of them validates, so content checks still run (see partial_model)
    invalid_guides: list[tuple[ServiceGuide, YamlDocument]] = field(default_factory=list)
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


_INVALID = object()


def _partial_value(info: FieldInfo, raw: Any) -> Any:
    """`raw` validated as the field; models and lists of models keep their valid parts."""
    typ = Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation
    try:
        return TypeAdapter(typ).validate_python(raw)
    except ValidationError:
        pass
    kinds = [info.annotation, *get_args(info.annotation)]
    model = next((k for k in kinds if isinstance(k, type) and issubclass(k, BaseModel)), None)
    if model is not None and isinstance(raw, dict):
        return partial_model(model, raw)
    item = get_args(info.annotation)[0] if get_origin(info.annotation) is list else None
    if isinstance(item, type) and issubclass(item, BaseModel) and isinstance(raw, list):
        return [partial_model(item, x) for x in raw]  # same indices: lines stay right
    return _INVALID


def partial_model(model: type[M], data: Any) -> M:
    """`data` as `model` even when invalid: each field that validates on its own is kept.

    Fields that are missing or invalid are None (the schema problems already name them), so the
    content checks can still look at everything else of a file that failed its schema.
    """
    raw = data if isinstance(data, dict) else {}
    values: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        value = _partial_value(info, raw[name]) if name in raw else _INVALID
        if value is not _INVALID:
            values[name] = value
        elif info.is_required():
            values[name] = None
    return model.model_construct(**values)


def _parse_list(model: type[M], path: Path, key: str, corpus: ParsedCorpus) -> list[tuple[M, int]]:
    doc = read_yaml(path)
    if isinstance(doc, Problem):
        corpus.problems.append(doc)
        return []
    corpus.problems.extend(doc.problems)
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
        corpus.problems.extend(doc.problems)
        if not isinstance(doc.data, dict):
            corpus.problems.append(
                Problem(path, 1, "a guide file must hold one mapping (key: value)")
            )
            continue
        result = parse_model(ServiceGuide, doc.data, doc)
        if isinstance(result, list):
            corpus.problems.extend(result)
            corpus.invalid_guides.append((partial_model(ServiceGuide, doc.data), doc))
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
