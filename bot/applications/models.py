"""SQLAlchemy table of pre-filled applications (PII encrypted at rest)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Metadata of the applications package (its own Alembic environment)."""


class ApplicationRow(Base):
    """One application: fields (JSON, encrypted with Cipher), guide snapshot (plain JSON)."""

    __tablename__ = "bot_applications"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True, index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    guide_id: Mapped[str] = mapped_column(String(16), index=True)
    guide_json: Mapped[str] = mapped_column(Text)
    fields_encrypted: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(16))
    sender_encrypted: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
