"""ActionAnswerQuestion: answer one aspect of the best guide; remember it for follow-ups."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.base import GovAction, buttons
from bot.actions.conversation import (
    channel_and_sender,
    consume_pending,
    entity_values,
    request_text,
)
from bot.actions.handoff import request_handoff
from bot.actions.services import Found, ServiceUnavailable
from knowledge.schema import ServiceGuide
from knowledge.store import KnowledgeBase

FOLLOW_UP_MAX_CHARS = 16
NOT_FOUND_BEFORE_HANDOFF_OFFER = 2
NOT_FOUND_HANDOFF = 3  # consecutive misses before a human agent takes over
_ASPECT_WORDS = re.compile(r"材料|带|哪|网上|线上|多久|时间|收费|钱|条件|流程|电话|依据|代办|本人")


def mentioned_guides(kb: KnowledgeBase, text: str) -> list[ServiceGuide]:
    """Guides whose title or an alias occurs in the text, longest mention first."""
    found: list[tuple[int, ServiceGuide]] = []
    for guide in kb.guides:
        lengths = [len(n) for n in (guide.title, *guide.aliases) if len(n) >= 2 and n in text]
        if lengths:
            found.append((max(lengths), guide))
    return [g for _, g in sorted(found, key=lambda item: -item[0])]


def detect_aspect(text: str) -> str | None:
    from search.aspects import detect_aspect as detect

    return detect(text)


def is_follow_up(text: str, aspect: str | None) -> bool:
    """A short question about an aspect with no service named: "那要带什么材料？"."""
    return aspect is not None or (
        len(text) <= FOLLOW_UP_MAX_CHARS and bool(_ASPECT_WORDS.search(text))
    )


def answer_text(header: str, body: str, source: str) -> str:
    return "\n".join(part for part in (header, body, source) if part)


class ActionAnswerQuestion(GovAction):
    """ask_service: search (or the current guide for a follow-up), then one aspect as the answer."""

    def name(self) -> str:
        return "action_answer_question"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
        return [*consume_pending(tracker), *await self._act(dispatcher, tracker)]

    async def _act(
        self, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> list[dict[str, Any]]:
        text = request_text(tracker)
        kb = await asyncio.to_thread(self.services.kb)
        # a button payload ("/ask_service{...}") carries no words: keep the aspect asked before
        aspect = tracker.get_slot("current_aspect") if text.startswith("/") else detect_aspect(text)
        chosen = next((kb.find_guide(v) for v in entity_values(tracker, "service_id")), None)
        if chosen is None:
            mentioned = mentioned_guides(kb, text)
            current = kb.find_guide(tracker.get_slot("current_service") or "")
            if len(mentioned) == 1:
                chosen = mentioned[0]
            elif not mentioned and current is not None and is_follow_up(text, aspect):
                chosen = current
        if chosen is not None:
            return await self._answer(dispatcher, chosen, aspect)
        found = await asyncio.to_thread(self.services.search().find, text)
        return await self._from_search(dispatcher, tracker, kb, found, aspect)

    async def _from_search(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        kb: KnowledgeBase,
        found: Found,
        aspect: str | None,
    ) -> list[dict[str, Any]]:
        texts = self.services.texts
        if found.not_found:
            count = int(tracker.get_slot("not_found_count") or 0) + 1
            if count >= NOT_FOUND_HANDOFF:
                channel, _ = channel_and_sender(tracker)
                await asyncio.to_thread(
                    request_handoff, self.services, tracker.sender_id, channel, "not_found"
                )
                dispatcher.utter_message(text=texts["handoff_after_failures"])
                return [SlotSet("not_found_count", 0.0)]
            key = "not_found" if count < NOT_FOUND_BEFORE_HANDOFF_OFFER else "not_found_again"
            dispatcher.utter_message(
                text=texts[key], buttons=buttons((texts["human_button"], "/request_human"))
            )
            return [SlotSet("not_found_count", float(count))]
        if found.ambiguous:
            options = [
                (hit.title, "/ask_service" + json.dumps({"service_id": hit.guide_id}))
                for hit in found.hits[:4]
            ]
            options.append((texts["none_of_these"], "/deny"))
            dispatcher.utter_message(text=texts["choose_service"], buttons=buttons(*options))
            return [
                SlotSet("current_aspect", aspect or found.aspect),
                SlotSet("not_found_count", 0.0),
            ]
        guide = kb.find_guide(found.hits[0].guide_id)
        if guide is None:
            raise ServiceUnavailable("search returned a guide the KB does not have")
        return await self._answer(dispatcher, guide, aspect or found.aspect)

    async def _answer(
        self, dispatcher: CollectingDispatcher, guide: ServiceGuide, aspect: str | None
    ) -> list[dict[str, Any]]:
        texts = self.services.texts
        body = await asyncio.to_thread(self.services.search().answer, guide.id, aspect)
        header = texts.format("answer_header", title=guide.title, department=guide.department)
        if body.startswith(f"【{guide.title}】"):
            header = ""
        source = texts.format("answer_source", source=guide.source_url) if guide.source_url else ""
        extra: list[tuple[str, str]] = []
        if guide.form is not None:
            extra.append(
                (
                    texts["answer_apply_button"],
                    "/apply_service" + json.dumps({"service_id": guide.id}),
                )
            )
        dispatcher.utter_message(
            text=answer_text(header, body, source) + "\n" + texts["answer_more"],
            buttons=buttons(*extra) if extra else [],
        )
        return [
            SlotSet("current_service", guide.id),
            SlotSet("current_aspect", aspect),
            SlotSet("not_found_count", 0.0),
        ]
