"""The log filter masks personal data wherever a record carries it: message, extras, tracebacks."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from pydantic import BaseModel, ValidationError

from feedback.privacy import RedactingFilter
from govassist.observability import configure_logging

PHONE, ID_NUMBER = "13812345678", "110101199003071233"


class Contact(BaseModel):
    phone: int


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    stream = io.StringIO()
    configure_logging("INFO", stream)
    yield stream
    root.handlers[:], root.level = handlers, level


def test_exception_text_and_extra_fields_are_masked(json_log: io.StringIO) -> None:
    log = logging.getLogger("govassist.test")
    try:
        Contact.model_validate({"phone": f"电话{PHONE}"})
    except ValidationError:
        log.exception("failed for %s", ID_NUMBER, extra={"citizen": f"手机{PHONE}"})
    output = json_log.getvalue()
    assert "input_value" in output and "Traceback" in output  # the traceback is there …
    assert PHONE not in output and ID_NUMBER not in output  # … masked
    assert "138****5678" in output and "110101********1233" in output


def test_plain_formatter_gets_the_masked_traceback() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.addFilter(RedactingFilter())
    log = logging.getLogger("govassist.test.plain")
    log.addHandler(handler)
    log.propagate = False
    try:
        raise ValueError(f"bad id {ID_NUMBER}")
    except ValueError:
        log.error("turn failed", exc_info=True, stack_info=True)
    output = stream.getvalue()
    assert "ValueError" in output and ID_NUMBER not in output
