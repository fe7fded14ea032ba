"""Domain errors of the feedback package.

FeedbackError
├── TicketNotFound          unknown ticket, or another department's ticket (404)
├── IllegalTransition       the action is not allowed in the ticket's status (409)
├── RatingNotAllowed        rated twice, or before the ticket was answered (409)
└── NotAuthorized           missing or wrong department / dispatcher token (401)
"""

from __future__ import annotations


class FeedbackError(Exception):
    """Base of every feedback error; the message is safe to show."""

    @property
    def reason(self) -> str:
        return str(self)


class TicketNotFound(FeedbackError):
    """No such ticket (or it is not visible to the caller)."""


class IllegalTransition(FeedbackError):
    """The action cannot be applied to a ticket in its current status."""


class RatingNotAllowed(FeedbackError):
    """A satisfaction rating that may not be stored."""


class NotAuthorized(FeedbackError):
    """The bearer token does not match any department or the dispatcher."""
