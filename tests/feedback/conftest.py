"""Ticket-store fixtures: the same tests run on SQLite and on PostgreSQL (a fresh database each)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from feedback.db import make_engine, session_factory, upgrade
from feedback.duty_classifier import DutyClassifier
from feedback.privacy import Cipher
from feedback.service import TicketService
from knowledge.loader import load_knowledge_base
from knowledge.store import KnowledgeBase
from tests.conftest import KB_DIR, fresh_postgres_database


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return load_knowledge_base(KB_DIR)


@pytest.fixture(scope="session")
def duty_classifier(kb: KnowledgeBase) -> DutyClassifier:
    titles: dict[str, list[str]] = {}
    for guide in kb.guides:
        titles.setdefault(guide.department, []).extend([guide.title, *guide.aliases])
    return DutyClassifier(kb.departments, titles)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with fresh_postgres_database("govassist_test") as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'tickets.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
        engine = create_engine(url)
        with engine.begin() as conn:  # a clean schema for each test
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
    upgrade(url)
    return url


class Clock:
    """A controllable clock (deadlines are tested without waiting)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 23, 2, 0, tzinfo=UTC))  # Monday 10:00 in 示例市


@pytest.fixture
def corrections() -> list[tuple[str, str, str, str]]:
    return []


@pytest.fixture
def service(
    database_url: str,
    kb: KnowledgeBase,
    duty_classifier: DutyClassifier,
    clock: Clock,
    corrections: list[tuple[str, str, str, str]],
) -> Iterator[TicketService]:
    engine = make_engine(database_url)
    yield TicketService(
        sessions=session_factory(engine),
        classifier=duty_classifier,
        departments=kb.departments,
        cipher=Cipher("test-secret"),
        clock=clock,
        on_correction=lambda *args: corrections.append(args),
    )
    engine.dispose()
