"""Process-wide logging set-up shared by every entry point: JSON lines, personal data masked."""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar

from pythonjsonlogger.json import JsonFormatter

from feedback.privacy import RedactingFilter

request_id_var: ContextVar[str] = ContextVar("request_id", default="")


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "ctx_request_id", ""):
            record.ctx_request_id = request_id_var.get()
        return True


def configure_logging(level: str = "INFO", stream: object = None) -> None:
    """One JSON object per line on stderr; ID numbers and phones masked in every record."""
    handler = logging.StreamHandler(stream or sys.stderr)  # type: ignore[arg-type]
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level"},
            json_ensure_ascii=False,
        )
    )
    handler.addFilter(_RequestIdFilter())
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("httpx", "httpcore", "httpx2", "urllib3", "jieba"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
