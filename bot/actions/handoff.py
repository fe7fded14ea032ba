"""ActionHandoffToHuman: mark the conversation for a human agent (the gateway then stays quiet)."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.base import GovAction
from bot.actions.conversation import channel_and_sender
from bot.actions.services import BotServices, ServiceUnavailable


def request_handoff(services: BotServices, conversation_id: str, channel: str, reason: str) -> None:
    """Write govassist:handoff:<conversation id> and queue it for the agent console."""
    services.handoff().request(conversation_id, channel, reason)


class ActionHandoffToHuman(GovAction):
    """request_human, or repeated failures: queue the conversation for an agent."""

    def name(self) -> str:
        return "action_handoff_to_human"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
        channel, _ = channel_and_sender(tracker)
        texts = self.services.texts
        try:
            await asyncio.to_thread(
                request_handoff, self.services, tracker.sender_id, channel, "request_human"
            )
        except ServiceUnavailable:
            dispatcher.utter_message(text=texts["handoff_failed"])
            return []
        dispatcher.utter_message(text=texts["handoff"])
        return []
