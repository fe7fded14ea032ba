"""Group similar tickets (the same broken streetlight reported many times) into hot topics."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity
from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback.db import TicketRow

WINDOW = timedelta(days=7)
THRESHOLD = 0.5  # measured on paraphrases of one report vs different matters at the same place


def find_topic(
    session: Session,
    text: str,
    department: str | None,
    now: datetime,
    reveal: Callable[[str], str | None],
    exclude: str = "",
) -> str | None:
    """The topic of the most similar recent ticket of the same department, if similar enough;
    `reveal` turns a stored (encrypted) text back into words, None for one it cannot read."""
    query = select(TicketRow.ticket_id, TicketRow.text_enc, TicketRow.topic_id).where(
        TicketRow.created_at >= now - WINDOW, TicketRow.ticket_id != exclude
    )
    if department is not None:
        query = query.where(TicketRow.department == department)
    rows = session.execute(query.order_by(TicketRow.id.desc()).limit(500)).all()
    recent = [(row, words) for row in rows if (words := reveal(row.text_enc))]
    if not recent:
        return None
    # plain character uni+bigram profiles: IDF fitted on a handful of short texts is noise
    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), use_idf=False)
    matrix = vectorizer.fit_transform([text, *(words for _, words in recent)])
    scores = cosine_similarity(matrix[0], matrix[1:])[0]
    best = int(scores.argmax())
    if scores[best] < THRESHOLD:
        return None
    row = recent[best][0]
    return str(row.topic_id or row.ticket_id)
