"""Log filter of the bot processes: unescape JSON \\uXXXX first, then mask personal data.

Rasa's structured logs are JSON with Chinese escaped as \\uXXXX; an ID number right after such an
escape ("\\u662f110101…") escapes `feedback.privacy.redact`, whose pattern requires a
non-alphanumeric character before the number. Unescaping first also makes the logs readable.
"""

from __future__ import annotations

import json
import logging
import re
from contextvars import ContextVar

from feedback.privacy import RedactingFilter

_ESCAPED = re.compile(r"\\u([0-9a-fA-F]{4})")
MAX_REQUEST_ID = 64
# The request id of the turn being handled (set by bot.rest_channel in the Rasa server).
request_id_var: ContextVar[str] = ContextVar("request_id", default="")


def unescape(text: str) -> str:
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text)


class BotRedactingFilter(RedactingFilter):
    """RedactingFilter over the unescaped message, prefixed with the turn's request id if any.

    The id goes into the message (not a format field) because Rasa replaces the handler's
    formatter with its own coloured one; filters survive that, formats do not.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.msg = record.getMessage()
            record.args = None
        if isinstance(record.msg, str):
            record.msg = unescape(record.msg)
            request_id = request_id_var.get()
            if request_id and not record.msg.startswith("[request_id="):
                record.msg = f"[request_id={request_id}] {record.msg}"
        return super().filter(record)


class JsonLogFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id (when a turn is on)."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": message,
        }
        request_id = request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def use_json_logs(root: logging.Logger | None = None) -> int:
    """Give every handler of the root logger the JSON formatter; returns how many.

    Rasa's command line replaces the handler's formatter from the logging config with its own
    coloured one after reading the config (filters survive): the Rasa server calls this once it
    loads our channel, which is after that replacement."""
    handlers = (root or logging.getLogger()).handlers
    for handler in handlers:
        handler.setFormatter(JsonLogFormatter())
    return len(handlers)
