"""Prometheus metrics of the Rasa server: intents of conversation turns (fallback rate), turn time.

Runs inside the Rasa server (.venv-rasa), installed by `bot.rest_channel`. The gateway cannot see
intents (Rasa's REST replies carry only messages), so the Rasa server counts them where it logs each
user message: `MessageProcessor._handle_message_with_tracker` is wrapped to count the intent Rasa
recorded, `nlu_fallback` included — the NLU fallback rate is
`govassist_nlu_intents_total{intent="nlu_fallback"} / sum(govassist_nlu_intents_total)`.
`/model/parse` calls (the hotline assist) do not pass there and are not counted.

The server runs several worker processes (RASA_WORKERS): with PROMETHEUS_MULTIPROC_DIR set (by
bot/serve.py and the runner) every worker writes its samples there and `/metrics`, whichever worker
answers it, adds up all of them (prometheus_client's multiprocess mode). The directory is emptied
when the server starts, before the workers are forked.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


class RasaMetrics:
    """The Rasa server's counters, in a registry of their own (summed over workers)."""

    def __init__(self) -> None:
        self.multiproc_dir = os.environ.get(MULTIPROC_ENV) or None
        if self.multiproc_dir:  # samples of an earlier run would be added to this one's
            folder = Path(self.multiproc_dir)
            folder.mkdir(parents=True, exist_ok=True)
            for stale in folder.glob("*.db"):
                stale.unlink(missing_ok=True)
        self.registry = CollectorRegistry()
        self.intents = Counter(
            "govassist_nlu_intents_total",
            "Intents of citizens' conversation turns (nlu_fallback: NLU not confident)",
            ["intent"],
            registry=self.registry,
        )
        self.turn_seconds = Histogram(
            "govassist_rasa_turn_seconds",
            "Time of one REST turn in the Rasa server (NLU, policies, actions)",
            registry=self.registry,
            buckets=(0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 5),
        )

    def render(self) -> bytes:
        if not self.multiproc_dir:
            return bytes(generate_latest(self.registry))
        from prometheus_client import multiprocess

        merged = CollectorRegistry()
        multiprocess.MultiProcessCollector(merged, path=self.multiproc_dir)
        return bytes(generate_latest(merged))


def install_intent_counting(metrics: RasaMetrics) -> bool:
    """Wrap the processor once so every logged user message counts its intent."""
    from rasa.core.processor import MessageProcessor

    original = getattr(MessageProcessor, "_handle_message_with_tracker", None)
    if original is None:
        return False
    if getattr(original, "_govassist_counting", False):
        return True

    async def handle_message_with_tracker(self: Any, message: Any, tracker: Any) -> None:
        await original(self, message, tracker)
        intent = (
            (tracker.latest_message.intent or {}).get("name") if tracker.latest_message else None
        )
        metrics.intents.labels(intent or "none").inc()

    handle_message_with_tracker._govassist_counting = True  # type: ignore[attr-defined]
    MessageProcessor._handle_message_with_tracker = handle_message_with_tracker
    return True
