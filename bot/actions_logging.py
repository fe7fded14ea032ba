"""Logging of the action server: PII-redacting filter on every handler of the root logger."""

from __future__ import annotations

import logging

from bot.log_filter import BotRedactingFilter


def install_redaction(level: str = "INFO") -> None:
    """Mask ID numbers and phones in everything the action server logs."""
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s - %(message)s"))
        root.addHandler(handler)
    root.setLevel(level)
    for handler in root.handlers:
        if not any(isinstance(f, BotRedactingFilter) for f in handler.filters):
            handler.addFilter(BotRedactingFilter())
