"""Helpers that read the conversation (tracker) the same way in every action."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

_CANCEL = re.compile(
    r"不办了|不申请了|不填了|别填了|取消|算了|不要了|退出|放弃|中止|终止|不弄了|不投诉了|不想提交|撤销|不辦了|結束填寫"
)
_HUMAN = re.compile(r"人工|真人|客服|工作人员")
_SKIP = re.compile(
    r"^(跳过|跳過|略过|不填|无|没有|暂无|暂时没有|空着|下一[个项]|pass|先跳过|这个不填|跳过吧|这个跳过吧?)[。.!！]?$",
    re.I,
)
_CONTINUE = re.compile(r"^(继续|继续填写|接着填|好的?，?继续)[。.!！]?$")
_BARE_INTENT = re.compile(r"/[a-z_]+")
PENDING_TEXT = "pending_text"  # the message an intent choice (buttons) was offered for
EMERGENCY = "emergency"


def latest_text(tracker: Tracker) -> str:
    return str(tracker.latest_message.get("text") or "").strip()


def request_text(tracker: Tracker) -> str:
    """The citizen's words for this request.

    A bare intent button ("/apply_service", offered when two intents were close) carries no
    words: it stands for the message the choice was offered for (slot `pending_text`)."""
    text = latest_text(tracker)
    pending = tracker.get_slot(PENDING_TEXT)
    return str(pending) if pending and _BARE_INTENT.fullmatch(text) else text


def consume_pending(tracker: Tracker) -> list[dict[str, Any]]:
    """Forget the clarified message once an action has acted on it."""
    return [SlotSet(PENDING_TEXT, None)] if tracker.get_slot(PENDING_TEXT) else []


def latest_intent(tracker: Tracker) -> str:
    intent = tracker.latest_message.get("intent") or {}
    return str(intent.get("name") or "")


def entity_values(tracker: Tracker, entity: str) -> list[str]:
    return [str(v) for v in tracker.get_latest_entity_values(entity) if v]


def channel_and_sender(tracker: Tracker) -> tuple[str, str]:
    """(channel, the channel's own sender id); the gateway's Rasa sender is "<channel>:<id>"."""
    metadata: dict[str, Any] = tracker.latest_message.get("metadata") or {}
    sender = tracker.sender_id
    prefix, _, rest = sender.partition(":")
    channel = str(metadata.get("channel") or (prefix if rest else "api"))
    if rest and prefix == channel:
        return channel, rest
    return channel, sender


CANCEL_MAX_CHARS = 12


def explicit_cancel(text: str) -> bool:
    """The words of cancelling (不办了, 取消, 算了 …) themselves, whatever the NLU heard."""
    return bool(_CANCEL.search(text))


def wants_cancel(tracker: Tracker) -> bool:
    """ "不办了/取消": a short message (long ones are answers that happen to contain the words)."""
    text = latest_text(tracker)
    if len(text) > CANCEL_MAX_CHARS:
        return False
    return latest_intent(tracker) == "cancel" or bool(_CANCEL.search(text))


def wants_human(tracker: Tracker) -> bool:
    text = latest_text(tracker)
    return (latest_intent(tracker) == "request_human" and bool(_HUMAN.search(text))) or text in {
        "/request_human",
        "转人工",
        "人工",
        "人工客服",
    }


def is_emergency(tracker: Tracker) -> bool:
    """The NLU heard danger to life or property (the gateway's keyword check runs first)."""
    return latest_intent(tracker) == EMERGENCY


def wants_skip(tracker: Tracker) -> bool:
    return bool(_SKIP.match(latest_text(tracker)))


def wants_continue(tracker: Tracker) -> bool:
    return bool(_CONTINUE.match(latest_text(tracker)))
