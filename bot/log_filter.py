"""Log filter of the bot processes: unescape JSON \\uXXXX first, then mask personal data.

Rasa's structured logs are JSON with Chinese escaped as \\uXXXX; an ID number right after such an
escape ("\\u662f110101…") escapes `feedback.privacy.redact`, whose pattern requires a
non-alphanumeric character before the number. Unescaping first also makes the logs readable.
"""

from __future__ import annotations

import logging
import re

from feedback.privacy import RedactingFilter

_ESCAPED = re.compile(r"\\u([0-9a-fA-F]{4})")


def unescape(text: str) -> str:
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text)


class BotRedactingFilter(RedactingFilter):
    """RedactingFilter over the unescaped message."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.msg = record.getMessage()
            record.args = None
        if isinstance(record.msg, str):
            record.msg = unescape(record.msg)
        return super().filter(record)
