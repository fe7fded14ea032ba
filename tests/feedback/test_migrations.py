"""Alembic migrations of the feedback tables on SQLite and PostgreSQL: data survives upgrades,
and the head schema is exactly the one `feedback/db.py` declares."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from feedback.db import VERSION_TABLE, Base, upgrade
from tests.conftest import fresh_postgres_database


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'm.db'}"
        return
    with fresh_postgres_database("feedback_migrations") as url:
        yield url


def test_upgrade_from_the_first_revision_keeps_tickets_and_matches_the_models(
    empty_url: str,
) -> None:
    upgrade(empty_url, "0001")
    engine = create_engine(empty_url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO tickets (ticket_id, kind, status, channel, sender_id, text,"
                " confidence, alternatives, departments_tried, return_count, escalated, warned,"
                " created_at)"
                " VALUES ('GD202611230001', 'complaint', '已答复', 'hotline', 'call-1', '路灯坏了',"
                " 0.9, '[]', '[]', 0, false, false, :now)"
            ),
            {"now": datetime(2026, 11, 23, tzinfo=UTC)},
        )
    upgrade(empty_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT ticket_id FROM tickets")).scalars().all() == [
            "GD202611230001"
        ]
        context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
        diff = list(compare_metadata(context, Base.metadata))
    engine.dispose()
    assert diff == []
