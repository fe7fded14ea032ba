"""Migrations of the applications table: own Alembic env, table alembic_version_applications."""

from __future__ import annotations

from pathlib import Path

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
VERSION_TABLE = "alembic_version_applications"


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the applications schema of `database_url` to `revision`."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["database_url"] = database_url
    command.upgrade(config, revision)
