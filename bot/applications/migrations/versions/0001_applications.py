"""Create the bot_applications table.

Revision ID: app0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "app0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bot_applications",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("reference", sa.String(32), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("guide_id", sa.String(16), nullable=False),
        sa.Column("guide_json", sa.Text(), nullable=False),
        sa.Column("fields_encrypted", sa.Text(), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("sender_encrypted", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_bot_applications_reference", "bot_applications", ["reference"], unique=True)
    op.create_index(
        "ix_bot_applications_token_hash", "bot_applications", ["token_hash"], unique=True
    )
    op.create_index("ix_bot_applications_guide_id", "bot_applications", ["guide_id"])


def downgrade() -> None:
    op.drop_table("bot_applications")
