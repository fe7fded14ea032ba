"""Cross-file checks of the knowledge base, beyond what each file's schema can say."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from knowledge.loader import GUIDES_DIR, ParsedCorpus, parse_corpus
from knowledge.problems import Problem
from knowledge.schema import THEMES, FieldType, ServiceGuide
from knowledge.yamlfile import YamlDocument

MIN_FAQS = 3
REQUIRED_SECTIONS = ("conditions", "materials", "steps", "locations")


def _check_departments(corpus: ParsedCorpus) -> Iterator[Problem]:
    path = corpus.root / "departments.yaml"
    for attr in ("name", "code", "id_prefix"):
        counts = Counter(getattr(d, attr) for d, _ in corpus.departments)
        for dept, line in corpus.departments:
            if counts[getattr(dept, attr)] > 1:
                yield Problem(path, line, f"duplicate department {attr} '{getattr(dept, attr)}'")


def _check_placement(
    guide_id: str, department: str, doc: YamlDocument, corpus: ParsedCorpus
) -> Iterator[Problem]:
    dept = next((d for d, _ in corpus.departments if d.name == department), None)
    if dept is None:
        yield Problem(
            doc.path,
            doc.line_of(("department",)),
            f"unknown department '{department}' (not in departments.yaml)",
        )
        return
    folder = doc.path.relative_to(corpus.root / GUIDES_DIR).parts[0]
    if folder != dept.code:
        yield Problem(
            doc.path,
            1,
            f"guide of {dept.name} belongs in guides/{dept.code}/, not guides/{folder}/",
        )
    if not guide_id.startswith(dept.id_prefix + "-"):
        yield Problem(
            doc.path,
            doc.line_of(("id",)),
            f"id '{guide_id}' must start with '{dept.id_prefix}-' for {dept.name}",
        )
    if doc.path.stem != guide_id:
        yield Problem(
            doc.path, doc.line_of(("id",)), f"file name must be the guide id: {guide_id}.yaml"
        )


def _check_guide_content(guide: ServiceGuide, doc: YamlDocument) -> Iterator[Problem]:
    for section in REQUIRED_SECTIONS:
        if not getattr(guide, section):
            yield Problem(doc.path, doc.line_of((section,)), f"section '{section}' is empty")
    if len(guide.faqs) < MIN_FAQS:
        yield Problem(
            doc.path,
            doc.line_of(("faqs",)),
            f"needs at least {MIN_FAQS} FAQs, has {len(guide.faqs)}",
            warning=True,
        )
    if guide.theme is not None and guide.theme not in THEMES:
        yield Problem(
            doc.path,
            doc.line_of(("theme",)),
            f"unknown theme '{guide.theme}'; one of: {'、'.join(THEMES)}",
        )
    questions = Counter(f.question for f in guide.faqs if f.question is not None)
    for i, faq in enumerate(guide.faqs):
        if questions[faq.question] > 1:
            yield Problem(
                doc.path, doc.line_of(("faqs", i)), f"duplicate FAQ question '{faq.question}'"
            )
    for i, material in enumerate(guide.materials):
        if not material.required and not material.condition:
            yield Problem(
                doc.path,
                doc.line_of(("materials", i)),
                f"optional material '{material.name}' needs a 'condition'",
            )
    yield from _check_form(guide, doc)


def _check_form(guide: ServiceGuide, doc: YamlDocument) -> Iterator[Problem]:
    if guide.form is None:
        return
    fields = guide.form.fields or []  # None in a guide that failed its schema
    names = Counter(f.name for f in fields if f.name is not None)
    for i, fld in enumerate(fields):
        where = doc.line_of(("form", "fields", i))
        if names[fld.name] > 1:
            yield Problem(doc.path, where, f"duplicate form field '{fld.name}'")
        if fld.type == FieldType.ENUM and len(fld.options) < 2:
            yield Problem(doc.path, where, f"enum field '{fld.name}' needs at least 2 options")
        if fld.type not in (FieldType.ENUM, None) and fld.options:
            yield Problem(
                doc.path, where, f"field '{fld.name}' has options but is not of type enum"
            )


def _check_across_guides(guides: list[tuple[ServiceGuide, YamlDocument]]) -> Iterator[Problem]:
    ids = Counter(g.id for g, _ in guides if g.id is not None)
    titles = Counter(g.title for g, _ in guides if g.title is not None)
    for guide, doc in guides:
        if ids[guide.id] > 1:
            yield Problem(doc.path, doc.line_of(("id",)), f"duplicate guide id '{guide.id}'")
        if titles[guide.title] > 1:
            yield Problem(
                doc.path, doc.line_of(("title",)), f"duplicate guide title '{guide.title}'"
            )
        for i, ref in enumerate(guide.related):
            if ref not in ids:
                yield Problem(
                    doc.path, doc.line_of(("related", i)), f"related guide '{ref}' does not exist"
                )


def check_corpus(corpus: ParsedCorpus) -> list[Problem]:
    """Every cross-file and content problem of a parsed corpus, schema-failed guides included."""
    problems = list(_check_departments(corpus))
    guides = corpus.guides + corpus.invalid_guides  # the valid parts of the latter (partial_model)
    problems += _check_across_guides(guides)
    for guide, doc in guides:
        if guide.id is not None and guide.department is not None:
            problems += _check_placement(guide.id, guide.department, doc, corpus)
        problems += _check_guide_content(guide, doc)
    if not guides and not corpus.problems:
        problems.append(Problem(corpus.root / GUIDES_DIR, 1, "no service guides found"))
    return problems


def validate_kb(root: Path) -> list[Problem]:
    """All problems of the knowledge base at `root`, sorted by file and line."""
    corpus = parse_corpus(root)
    return sorted(corpus.problems + check_corpus(corpus))
