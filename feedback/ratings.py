"""Satisfaction ratings replied in chat: the "closed" notice asks the citizen to reply 满意,
基本满意 or 不满意; such a reply is recorded on their latest answered, unrated ticket (audited as
the citizen's `rate`) instead of going to the bot."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from feedback.db import AuditRow, TicketRow
from feedback.exceptions import RatingNotAllowed
from feedback.schemas import Satisfaction, Status
from feedback.service import TEXTS, TicketService, _aware

RATING_WINDOW = timedelta(days=7)  # a "满意" long after the answer is about something else
_AROUND = " \t\r\n。．.！!～~，,、…"


def parse_rating(text: str) -> Satisfaction | None:
    """满意 / 基本满意 / 不满意 (punctuation around it allowed), or None."""
    word = text.strip(_AROUND)
    return next((s for s in Satisfaction if s.value == word), None)


def awaiting_rating(service: TicketService, channel: str, sender_id: str) -> str | None:
    """The sender's most recently answered or closed ticket without a rating, if that happened
    within RATING_WINDOW."""
    since = service.clock() - RATING_WINDOW
    with service.sessions() as session:
        last = (
            select(AuditRow.ticket_id, func.max(AuditRow.at).label("at"))
            .where(AuditRow.action.in_(("reply", "close")))
            .group_by(AuditRow.ticket_id)
            .subquery()
        )
        found = session.execute(
            select(TicketRow.ticket_id, last.c.at)
            .join(last, last.c.ticket_id == TicketRow.ticket_id)
            .where(TicketRow.channel == channel, TicketRow.sender_id == sender_id)
            .where(TicketRow.status.in_((Status.ANSWERED.value, Status.CLOSED.value)))
            .where(TicketRow.rating.is_(None))
            .order_by(last.c.at.desc())
            .limit(1)
        ).first()
    if found is None or _aware(found.at) < since:
        return None
    return str(found.ticket_id)


def record_chat_rating(
    service: TicketService, channel: str, sender_id: str, text: str
) -> str | None:
    """The thank-you to send when `text` rates the sender's ticket; None when it is not a rating
    or there is nothing to rate (the message then goes to the bot)."""
    rating = parse_rating(text)
    ticket_id = awaiting_rating(service, channel, sender_id) if rating else None
    if rating is None or ticket_id is None:
        return None
    try:
        service.rate(ticket_id, rating)
    except RatingNotAllowed:  # rated meanwhile (another channel, a double send)
        return None
    return TEXTS["rated"].format(ticket_id=ticket_id, rating=rating.value)
