"""The shipped KB covers the required catalogue of 示例市 exactly and validates cleanly."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from knowledge.loader import load_knowledge_base
from knowledge.store import KnowledgeBase
from knowledge.validate import validate_kb


@pytest.fixture(scope="module")
def kb(kb_dir: Path) -> KnowledgeBase:
    return load_knowledge_base(kb_dir)


@pytest.fixture(scope="module")
def required(shared_dir: Path) -> dict:
    return yaml.safe_load((shared_dir / "catalog" / "required.yaml").read_text(encoding="utf-8"))


def test_shipped_kb_has_no_errors(kb_dir: Path) -> None:
    errors = [p for p in validate_kb(kb_dir) if not p.warning]
    assert errors == []


def test_every_required_department_exists_with_duties(kb: KnowledgeBase, required: dict) -> None:
    for dept in required["departments"]:
        found = kb.department(dept["name"])
        assert found is not None, dept["name"]
        assert found.duties


def test_every_required_title_exists_in_its_department(kb: KnowledgeBase, required: dict) -> None:
    missing = [
        (dept, title)
        for dept, titles in required["services"].items()
        for title in titles
        if (g := kb.guide_by_title(title)) is None or g.department != dept
    ]
    assert missing == []


def test_prefill_services_carry_a_form(kb: KnowledgeBase, required: dict) -> None:
    without = [
        t for t in required["prefill"] if (g := kb.guide_by_title(t)) is None or g.form is None
    ]
    assert without == []


def test_size_and_faqs(kb: KnowledgeBase) -> None:
    assert len(kb.guides) >= 80
    assert all(len(g.faqs) >= 3 for g in kb.guides)
    assert {g.department for g in kb.guides} >= {d.name for d in kb.departments}
