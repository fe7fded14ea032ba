"""Routing fixtures: one router trained on our own training split, shared by the whole session."""

from __future__ import annotations

import pytest

from feedback.routing.model import SHIPPED_DATA, Example, Router, read_examples, train_router
from knowledge.store import KnowledgeBase


@pytest.fixture(scope="session")
def train_examples() -> list[Example]:
    return read_examples(SHIPPED_DATA, "train")


@pytest.fixture(scope="session")
def test_examples() -> list[Example]:
    return read_examples(SHIPPED_DATA, "test")


@pytest.fixture(scope="session")
def router(kb: KnowledgeBase, train_examples: list[Example]) -> Router:
    return train_router(kb, train_examples)
