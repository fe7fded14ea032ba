"""Alembic environment of bot/applications (version table alembic_version_applications)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from bot.applications.db import VERSION_TABLE
from bot.applications.models import Base

config = context.config
url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")


def run_offline() -> None:
    context.configure(
        url=url, target_metadata=Base.metadata, version_table=VERSION_TABLE, literal_binds=True
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection, target_metadata=Base.metadata, version_table=VERSION_TABLE
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
