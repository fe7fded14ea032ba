"""How a Rasa tracker is stored in Redis: `enc:<Fernet token of the tracker's JSON>`.

Shared by the Rasa server's tracker store (bot/tracker_store.py, in .venv-rasa) and the
retention purge (bot/tracker_retention.py, in the main environment); standard library and
`feedback.privacy` only.
"""

from __future__ import annotations

from feedback.privacy import Cipher

PREFIX = "enc:"


def encode_tracker(cipher: Cipher, plaintext: str) -> str:
    return PREFIX + cipher.encrypt(plaintext)


def decode_tracker(cipher: Cipher, stored: str | bytes) -> str:
    """The tracker's JSON; a plaintext tracker (written before encryption) passes unchanged.

    Raises ValueError when the value was encrypted with another key or tampered with."""
    text = stored.decode("utf-8") if isinstance(stored, bytes) else stored
    return cipher.decrypt(text[len(PREFIX) :]) if text.startswith(PREFIX) else text
