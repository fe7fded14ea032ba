"""Human-friendly, unique ticket numbers: GD + date + per-day sequence (GD202611250001)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from feedback.db import SequenceRow
from feedback.deadlines import LOCAL


def next_ticket_id(session: Session, now: datetime) -> str:
    """Reserve the next number of the day in the caller's transaction (safe across processes)."""
    day = now.astimezone(LOCAL).strftime("%Y%m%d")  # the city's date, not UTC's
    for _ in range(5):
        result = session.execute(
            update(SequenceRow)
            .where(SequenceRow.day == day)
            .values(value=SequenceRow.value + 1)
            .returning(SequenceRow.value)
        )
        value = result.scalar_one_or_none()
        if value is not None:
            return f"GD{day}{value:04d}"
        try:
            with session.begin_nested():
                session.add(SequenceRow(day=day, value=1))
            return f"GD{day}0001"
        except IntegrityError:
            continue  # another process created the row first: take the update path
    raise RuntimeError("could not allocate a ticket number")


def current_value(session: Session, day: str) -> int:
    return session.scalar(select(SequenceRow.value).where(SequenceRow.day == day)) or 0
