"""EncryptedRedisTrackerStore: Rasa's Redis tracker store with trackers encrypted at rest.

A tracker holds every message and slot of a conversation (ID numbers, phones, names typed into
forms), so it is stored encrypted (`feedback.privacy.Cipher`, Fernet keyed from SECRET_KEY) as
`enc:<token>` (bot/tracker_codec.py); a plaintext tracker written before encryption was
enabled is still read.
Configured in `bot/endpoints.yml` (`type: bot.tracker_store.EncryptedRedisTrackerStore`);
imported by the Rasa server (.venv-rasa), so it depends only on Rasa, `cryptography` and the
standard library.

`save` also skips Rasa's costly merge when it cannot change anything: Rasa's RedisTrackerStore
restores the stored tracker into events and replays the current one back in time to merge them
(19% of the server's CPU in a py-spy profile). When the stored events are a prefix of the current
tracker's (every turn of a single-session conversation) that merge returns the current tracker
unchanged, so it is written directly; any other case (earlier sessions, an event broker) goes
through Rasa's own merge.
"""

from __future__ import annotations

import json
import os
from typing import Any

from rasa.core.tracker_store import RedisTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker

from bot.tracker_codec import decode_tracker, encode_tracker
from feedback.privacy import Cipher

SECRET_ENV = "SECRET_KEY"


class EncryptedRedisTrackerStore(RedisTrackerStore):  # type: ignore[misc]  # untyped Rasa
    """RedisTrackerStore whose stored values are encrypted; a faster save of the same result."""

    def __init__(self, *args: Any, secret: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        secret = secret or os.environ.get(SECRET_ENV)
        if not secret:
            raise ValueError(f"{SECRET_ENV} must be set to encrypt Rasa trackers at rest")
        self._cipher = Cipher(secret)

    def serialise_tracker(self, tracker: DialogueStateTracker) -> str:  # type: ignore[override]
        return encode_tracker(self._cipher, super().serialise_tracker(tracker))

    def deserialise_tracker(
        self, sender_id: str, serialised_tracker: str | bytes
    ) -> DialogueStateTracker | None:
        return super().deserialise_tracker(
            sender_id, decode_tracker(self._cipher, serialised_tracker)
        )

    async def save(self, tracker: DialogueStateTracker, timeout: float | None = None) -> None:
        if self.event_broker is not None:  # the broker needs Rasa's event difference
            await super().save(tracker, timeout)
            return
        key = self.key_prefix + tracker.sender_id
        plaintext = RedisTrackerStore.serialise_tracker(tracker)
        stored = self.red.get(key)
        if stored is not None:
            prior = json.loads(decode_tracker(self._cipher, stored)).get("events") or []
            current = json.loads(plaintext).get("events") or []
            if current[: len(prior)] != prior:  # another history: Rasa merges the two
                await super().save(tracker, timeout)
                return
        value = encode_tracker(self._cipher, plaintext)
        self.red.set(key, value, ex=timeout or self.record_exp)
