"""Personal data: masking for logs and display, encryption at rest.

Used by every package that touches citizens' data (feedback, bot applications, channels).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re

from cryptography.fernet import Fernet, InvalidToken

# 18-digit 公民身份号码 (last may be X) and old 15-digit ones; only digits may not touch them,
# because logs often glue them to letters (JSON "\u4e2d110101…" escapes)
_ID_NUMBER = re.compile(r"(?<!\d)[1-9]\d{5}(?:\d{11}[0-9Xx]|\d{9})(?!\d)")
_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3}-?)(\d{3,4})(\d{4})(?!\d)")
_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*(@[A-Za-z0-9.-]+\.[A-Za-z]{2,})")


def mask_id_number(value: str) -> str:
    """110101199003071234 -> 110101********1234."""
    value = value.strip()
    return value[:6] + "*" * (len(value) - 10) + value[-4:] if len(value) > 10 else "*" * len(value)


def mask_phone(value: str) -> str:
    """13812345678 -> 138****5678."""
    digits = value.strip()
    return (
        digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
        if len(digits) >= 7
        else "*" * len(digits)
    )


def mask_name(value: str) -> str:
    """张三丰 -> 张**."""
    value = value.strip()
    return value[:1] + "*" * (len(value) - 1) if value else value


def mask_address(value: str) -> str:
    """Keep the district-level prefix, hide the rest: 示例市东城区和平街道… -> 示例市东城区****."""
    match = re.match(r"^(.*?[市州盟])?(.*?[区县旗])?", value)
    prefix = "".join(part for part in (match.groups() if match else ()) if part)
    return (prefix or value[:3]) + "****"


def redact(text: str) -> str:
    """Mask every ID number, phone number and e-mail address found in free text."""
    text = _ID_NUMBER.sub(lambda m: mask_id_number(m.group(0)), text)
    text = _MOBILE.sub(lambda m: m.group(1) + "****" + m.group(3), text)
    text = _LANDLINE.sub(lambda m: m.group(1) + "****" + m.group(3), text)
    return _EMAIL.sub(lambda m: m.group(1) + "***" + m.group(2), text)


_STANDARD_ATTRS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class RedactingFilter(logging.Filter):
    """A logging filter that masks personal data in every record's message, arguments, extra
    fields and exception text (a traceback quotes the values it failed on)."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.msg = record.getMessage()
            record.args = None
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        for key, value in list(vars(record).items()):
            if isinstance(value, str) and (key.startswith("ctx_") or key not in _STANDARD_ATTRS):
                setattr(record, key, redact(value))
        if record.exc_info:
            record.exc_text = redact(self._formatter.formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


# base64 of Fernet's version byte 0x80 and the high bytes of its timestamp (zero until 2^40 s)
FERNET_PREFIX = "gAAAAA"


class Cipher:
    """Symmetric encryption at rest (Fernet: AES-128-CBC + HMAC) keyed from SECRET_KEY."""

    def __init__(self, secret: str) -> None:
        key = base64.urlsafe_b64encode(
            hashlib.sha256(("govassist-at-rest:" + secret).encode()).digest()
        )
        self._fernet = Fernet(key)
        self._hash_key = hashlib.sha256(("govassist-keyed-hash:" + secret).encode()).digest()

    def keyed_hash(self, value: str) -> str:
        """HMAC-SHA256 of a value under SECRET_KEY: the same value gives the same hash, so records
        can be matched (e.g. an Open311 reporter's phone) without storing the value."""
        return hmac.new(self._hash_key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:40]

    def encrypt(self, plaintext: str) -> str:
        """Encrypt text; the result is ASCII, safe for any text column."""
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def reveal(self, stored: str) -> str:
        """Decrypt a stored value; one that is not a token (a row written before the field was
        encrypted, a purge marker) is returned as it is."""
        return self.decrypt(stored) if stored.startswith(FERNET_PREFIX) else stored

    def readable(self, stored: str) -> str | None:
        """`reveal`, or None for a value encrypted under another SECRET_KEY (for views that must
        keep working after a key change, e.g. grouping new tickets with old ones)."""
        try:
            return self.reveal(stored)
        except ValueError:
            return None

    def decrypt(self, token: str) -> str:
        """Decrypt text produced by `encrypt`; raises ValueError if it was tampered with."""
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken as exc:
            raise ValueError("cannot decrypt: wrong SECRET_KEY or tampered data") from exc

    @staticmethod
    def blind_index(secret: str, value: str) -> str:
        """A keyed hash of a value, to look encrypted records up by equality (e.g. a phone)."""
        return hashlib.sha256(f"{secret}:{value}".encode()).hexdigest()[:32]
