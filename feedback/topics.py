"""Group similar tickets (the same broken streetlight reported many times) into hot topics."""

from __future__ import annotations

from datetime import datetime, timedelta

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity
from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback.db import TicketRow

WINDOW = timedelta(days=7)
THRESHOLD = 0.45


def find_topic(session: Session, text: str, department: str | None, now: datetime) -> str | None:
    """The topic of the most similar recent ticket of the same department, if similar enough."""
    if department is None:
        return None
    recent = session.execute(
        select(TicketRow.ticket_id, TicketRow.text, TicketRow.topic_id)
        .where(TicketRow.department == department, TicketRow.created_at >= now - WINDOW)
        .order_by(TicketRow.id.desc()).limit(500)
    ).all()
    if not recent:
        return None
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 3))
    matrix = vectorizer.fit_transform([text, *(r.text for r in recent)])
    scores = cosine_similarity(matrix[0], matrix[1:])[0]
    best = int(scores.argmax())
    if scores[best] < THRESHOLD:
        return None
    return recent[best].topic_id or recent[best].ticket_id
