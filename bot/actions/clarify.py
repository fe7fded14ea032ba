"""ActionClarifyIntent: when the NLU's top two intents are close, ask which one was meant.

Rasa's FallbackClassifier turns both a low-confidence and an ambiguous prediction into
`nlu_fallback`, with the original ranking kept after it in `intent_ranking`. This action tells
the two apart with the classifier's own thresholds (read from `config.yml`): close intents that
lead to different places are offered as buttons ("/apply_service" …) plus “都不是”; everything
else (a plain low-confidence message, close intents that both mean “a question”) goes to the
question path, search, as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.answer import ActionAnswerQuestion
from bot.actions.base import buttons
from bot.actions.conversation import EMERGENCY, PENDING_TEXT, latest_text
from bot.actions.texts import Texts

FALLBACK = "nlu_fallback"
ASK = "ask_service"
# intents whose rules run the question path (action_answer_question): one choice, not two
_QUESTION_PATH = {ASK: ASK, "inform": ASK}
BUTTON_KEY = "intent_button_{intent}"


@dataclass(frozen=True)
class FallbackThresholds:
    """The FallbackClassifier's settings (Rasa's defaults when it is not configured)."""

    threshold: float = 0.3
    ambiguity_threshold: float = 0.1


def read_fallback_thresholds(config: Path) -> FallbackThresholds:
    """The FallbackClassifier's thresholds in a Rasa config.yml (defaults when absent)."""
    try:
        data = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return FallbackThresholds()
    default = FallbackThresholds()
    for component in data.get("pipeline") or []:
        if isinstance(component, dict) and component.get("name") == "FallbackClassifier":
            return FallbackThresholds(
                float(component.get("threshold", default.threshold)),
                float(component.get("ambiguity_threshold", default.ambiguity_threshold)),
            )
    return default


def close_intents(ranking: list[dict[str, Any]], ambiguity_threshold: float) -> list[str]:
    """The top two intents when their confidences differ by less than the ambiguity threshold
    (the FallbackClassifier's own test), else an empty list."""
    ranked = [r for r in ranking if r.get("name") and r.get("name") != FALLBACK]
    if len(ranked) < 2:
        return []
    first, second = ranked[0], ranked[1]
    gap = float(first.get("confidence") or 0) - float(second.get("confidence") or 0)
    return [str(first["name"]), str(second["name"])] if gap < ambiguity_threshold else []


def choices(close: list[str], texts: Texts) -> list[str]:
    """The intents worth asking about: different paths, each with a button title.

    An intent without a title (greet, affirm, skip …) is no choice a citizen can make by
    itself; when only the question path is left, searching answers it better than a button."""
    paths = list(dict.fromkeys(_QUESTION_PATH.get(name, name) for name in close))
    if len(paths) < 2:
        return []
    offered = [p for p in paths if texts.get(BUTTON_KEY.format(intent=p))]
    return [] if offered in ([], [ASK]) else offered


class ActionClarifyIntent(ActionAnswerQuestion):
    """nlu_fallback: buttons for two close intents, else the question path (search)."""

    def name(self) -> str:
        return "action_clarify_intent"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
        ranking = list(tracker.latest_message.get("intent_ranking") or [])
        close = close_intents(ranking, self.thresholds().ambiguity_threshold)
        if EMERGENCY in close:  # danger to life is never a question to ask back
            dispatcher.utter_message(response="utter_emergency")
            return []
        texts = self.services.texts
        offered = choices(close, texts)
        if not offered:
            return await super().act(dispatcher, tracker)
        options = [(texts[BUTTON_KEY.format(intent=i)], f"/{i}") for i in offered]
        options.append((texts["none_of_these"], "/deny"))
        dispatcher.utter_message(text=texts["choose_intent"], buttons=buttons(*options))
        return [SlotSet(PENDING_TEXT, latest_text(tracker))]

    def thresholds(self) -> FallbackThresholds:
        cached: FallbackThresholds | None = getattr(self, "_thresholds", None)
        if cached is None:
            cached = read_fallback_thresholds(self.services.settings.bot_dir / "config.yml")
            self._thresholds = cached
        return cached
