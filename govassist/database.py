"""Run every package's Alembic migrations (each has its own environment and version table)."""

from __future__ import annotations

import importlib

# (label, module exposing `upgrade(database_url: str) -> None`)
MIGRATIONS: tuple[tuple[str, str], ...] = (
    ("tickets", "feedback.db"),
    ("applications", "bot.applications.db"),
)


def upgrade_all(database_url: str) -> list[str]:
    """Upgrade the database to head for every package; returns the labels migrated."""
    done = []
    for label, module in MIGRATIONS:
        importlib.import_module(module).upgrade(database_url)
        done.append(label)
    return done
