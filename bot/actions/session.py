"""ActionSessionStart: the default session start, plus warming up the search index."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecuted, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.base import GovAction


class ActionSessionStart(GovAction):
    """Start a session carrying the slots over; build the search service in the background."""

    def name(self) -> str:
        return "action_session_start"

    async def act(
        self,
        dispatcher: CollectingDispatcher,  # noqa: ARG002 - the session start says nothing
        tracker: Tracker,
    ) -> list[dict[str, Any]]:
        self.services.warm_up()
        carried = [
            SlotSet(key, value)
            for key, value in tracker.current_slot_values().items()
            if value is not None and key != "requested_slot"
        ]
        return [SessionStarted(), *carried, ActionExecuted("action_listen")]

    def on_unavailable(self, dispatcher: CollectingDispatcher) -> list[dict[str, Any]]:  # noqa: ARG002
        return [SessionStarted(), ActionExecuted("action_listen")]
