"""Action-server logging: JSON lines with request ids, PII-redacting filter on every handler."""

from __future__ import annotations

import logging

from bot.log_filter import BotRedactingFilter
from govassist.observability import configure_logging


def install_redaction(level: str = "INFO") -> None:
    """Mask ID numbers and phones in everything the action server logs."""
    configure_logging(level)  # JSON lines with the request id of the turn (bound by GovAction)
    root = logging.getLogger()
    for handler in root.handlers:
        if not any(isinstance(f, BotRedactingFilter) for f in handler.filters):
            handler.addFilter(BotRedactingFilter())
