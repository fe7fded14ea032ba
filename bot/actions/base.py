"""GovAction: base of every custom action; injected services, polite replies on failure."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.services import BotServices, ServiceUnavailable, get_services
from govassist.observability import request_id_var

log = logging.getLogger("govassist.bot")
DomainDict = dict[str, Any]


class GovAction(Action, ABC):  # type: ignore[misc]  # rasa-sdk ships no type hints here
    """Subclasses implement `act`; a `ServiceUnavailable` becomes the polite busy message."""

    def __init__(self, services: BotServices | None = None) -> None:
        self._services = services

    @property
    def services(self) -> BotServices:
        if self._services is None:
            self._services = get_services()
        return self._services

    @abstractmethod
    def name(self) -> str:
        """The action's name in the domain."""

    @abstractmethod
    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
        """The action's work; may raise ServiceUnavailable."""

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,  # noqa: ARG002 - rasa-sdk signature; no action needs the domain
    ) -> list[dict[str, Any]]:
        # The gateway's request id travels in the turn's metadata: bind it so every log line of
        # this action carries it (govassist.observability adds it to each JSON record).
        metadata = tracker.latest_message.get("metadata") or {}
        token = request_id_var.set(str(metadata.get("request_id") or "")[:64])
        outcome = "ok"
        try:
            log.info("bot.action.run", extra={"ctx_action": self.name()})
            return await self.act(dispatcher, tracker)
        except ServiceUnavailable as exc:
            outcome = "degraded"
            log.error(
                "bot.action.degraded", extra={"ctx_action": self.name(), "ctx_error": str(exc)}
            )
            return self.on_unavailable(dispatcher)
        except Exception:  # never leave the citizen without a reply
            outcome = "failed"
            log.exception("bot.action.failed", extra={"ctx_action": self.name()})
            return self.on_unavailable(dispatcher)
        finally:
            request_id_var.reset(token)
            self.services.metrics.actions.labels(self.name(), outcome).inc()

    def on_unavailable(self, dispatcher: CollectingDispatcher) -> list[dict[str, Any]]:
        dispatcher.utter_message(text=self.services.texts["busy"])
        return []


def buttons(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"title": title, "payload": payload} for title, payload in pairs]
