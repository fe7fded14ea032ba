"""Two close intents become a choice with buttons and “都不是” (bot/actions/clarify.py)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from bot.actions.application import ActionStartApplication
from bot.actions.clarify import (
    ActionClarifyIntent,
    choices,
    close_intents,
    read_fallback_thresholds,
)
from bot.actions.conversation import PENDING_TEXT
from bot.actions.services import BotServices
from tests.bot.conftest import BOT_DIR
from tests.bot.test_actions import run, slots_of, texts_of, tracker


def ranking(*pairs: tuple[str, float]) -> list[dict[str, Any]]:
    return [{"name": name, "confidence": conf} for name, conf in pairs]


def fallback(text: str, *pairs: tuple[str, float]) -> Tracker:
    t = tracker(text, "nlu_fallback")
    t.latest_message["intent_ranking"] = ranking(("nlu_fallback", 0.95), *pairs)
    return t


def test_the_shipped_config_thresholds_are_read() -> None:
    thresholds = read_fallback_thresholds(BOT_DIR / "config.yml")
    assert (thresholds.threshold, thresholds.ambiguity_threshold) == (0.45, 0.05)


def test_close_means_a_gap_below_the_ambiguity_threshold() -> None:
    assert close_intents(ranking(("apply_service", 0.48), ("file_complaint", 0.45)), 0.05) == [
        "apply_service",
        "file_complaint",
    ]
    assert close_intents(ranking(("apply_service", 0.6), ("file_complaint", 0.3)), 0.05) == []
    assert close_intents(ranking(("apply_service", 0.6)), 0.05) == []


def test_only_intents_leading_to_different_places_are_offered(services: BotServices) -> None:
    texts = services.texts
    assert choices(["ask_service", "inform"], texts) == []  # both are the question path
    assert choices(["greet", "ask_service"], texts) == []  # searching answers it better
    assert choices(["file_complaint", "give_suggestion"], texts) == [
        "file_complaint",
        "give_suggestion",
    ]


def test_close_intents_are_offered_as_buttons_with_none_of_these(services: BotServices) -> None:
    text = "居住证的事我想问一下，窗口态度也太差了"
    t = fallback(text, ("apply_service", 0.41), ("file_complaint", 0.39))
    events, messages = run(ActionClarifyIntent(services), t)
    payloads = [b["payload"] for m in messages for b in m.get("buttons") or []]
    assert payloads == ["/apply_service", "/file_complaint", "/deny"]
    titles = [b["title"] for m in messages for b in m.get("buttons") or []]
    assert titles[-1] == "都不是"
    assert slots_of(events)[PENDING_TEXT] == text


def test_the_chosen_intent_acts_on_the_message_it_was_offered_for(services: BotServices) -> None:
    t = tracker("/apply_service", "apply_service", {PENDING_TEXT: "居住证我想在网上申请一下"})
    events, messages = run(ActionStartApplication(services), t)
    values = slots_of(events)
    assert values[PENDING_TEXT] is None  # consumed
    assert values["application_service"] == "GA-001", texts_of(messages)


def test_a_plain_low_confidence_message_is_searched_as_a_question(services: BotServices) -> None:
    t = fallback("居住证要带什么材料", ("ask_service", 0.40), ("greet", 0.2))
    events, messages = run(ActionClarifyIntent(services), t)
    assert PENDING_TEXT not in slots_of(events)
    payloads = [b["payload"] for m in messages for b in m.get("buttons") or []]
    assert "居住证" in texts_of(messages) and "/ask_service" not in payloads


def test_danger_is_never_asked_back(services: BotServices) -> None:
    t = fallback("楼道里好像着火了怎么办", ("emergency", 0.42), ("ask_service", 0.40))
    events, messages = run(ActionClarifyIntent(services), t)
    assert [m.get("response") for m in messages] == ["utter_emergency"] and events == []
