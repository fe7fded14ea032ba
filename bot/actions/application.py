"""Applications with pre-filled forms: choose the service, collect fields, confirm, store.

One dynamic Rasa form (`application_form`) serves every guide with a `form` in the KB: the
validation action below decides which field to ask next from the chosen guide's fields, so a new
form in the KB needs no new code. Field slots are shared by name across guides.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.answer import mentioned_guides
from bot.actions.base import GovAction, buttons
from bot.actions.conversation import (
    channel_and_sender,
    consume_pending,
    entity_values,
    is_emergency,
    latest_intent,
    latest_text,
    request_text,
    wants_cancel,
    wants_continue,
    wants_human,
    wants_skip,
)
from bot.actions.form_fields import (
    SKIPPED,
    correction_target,
    fields_of,
    next_missing,
    plain_label,
    question,
    reused_note,
    summary,
)
from bot.actions.handoff import request_handoff
from bot.actions.prefill import PREFILLED, given_values, prefill, reused
from bot.actions.validators import validate_field
from knowledge.schema import FieldType, FormField, ServiceGuide
from knowledge.store import KnowledgeBase

REQUESTED = "requested_slot"
MAX_FAILURES_BEFORE_HELP = 2
_CORRECTION_WORDS = (
    "填错",
    "写错",
    "输错",
    "说错",
    "不对",
    "有误",
    "修改",
    "更正",
    "改一下",
    "重新填",
)


def _guide(kb: KnowledgeBase, tracker: Tracker) -> ServiceGuide | None:
    guide = kb.find_guide(tracker.get_slot("application_service") or "")
    return guide if guide is not None and guide.form is not None else None


def _values(tracker: Tracker, guide: ServiceGuide, events: list[dict[str, Any]]) -> dict[str, Any]:
    values = {f.name: tracker.get_slot(f.name) for f in fields_of(guide)}
    for event in events:
        if event.get("event") == "slot" and event["name"] in values:
            values[event["name"]] = event["value"]
    return values


def _clear_fields(guide: ServiceGuide) -> list[dict[str, Any]]:
    return [SlotSet(f.name, None) for f in fields_of(guide)] + [SlotSet(PREFILLED, None)]


def _not_reused(tracker: Tracker, field: FormField) -> list[dict[str, Any]]:
    """A corrected field is the citizen's new answer, no longer a reused value."""
    names = list(tracker.get_slot(PREFILLED) or [])
    if field.name not in names:
        return []
    return [SlotSet(PREFILLED, [n for n in names if n != field.name])]


# Verbs that close service titles ("居住证申领"): citizens name the thing, not the verb.
_TITLE_VERBS = ("申领", "申请", "办理", "补办", "换领", "登记", "签发", "核发", "备案", "认定")


def _mentioned_by_core(kb: KnowledgeBase, text: str) -> list[ServiceGuide]:
    """Guides whose title minus its closing verb occurs in the text ("申请居住证" → 居住证申领)."""
    found = []
    for guide in kb.guides:
        core = next((guide.title[: -len(v)] for v in _TITLE_VERBS if guide.title.endswith(v)), "")
        if len(core) >= 3 and core in text:
            found.append(guide)
    return found


class ActionStartApplication(GovAction):
    """apply_service: find the service; when it has a form, let the form start (form_ready)."""

    def name(self) -> str:
        return "action_start_application"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
        return [*consume_pending(tracker), *await self._choose(dispatcher, tracker)]

    async def _choose(
        self, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> list[dict[str, Any]]:
        kb = await asyncio.to_thread(self.services.kb)
        candidates = await self._candidates(kb, tracker)
        texts = self.services.texts
        not_ready: list[dict[str, Any]] = [SlotSet("form_ready", False)]
        if not candidates:
            dispatcher.utter_message(text=texts["which_application"])
            return not_ready
        if len(candidates) > 1:
            options = [
                (g.title, "/apply_service" + json.dumps({"service_id": g.id}))
                for g in candidates[:4]
            ]
            options.append((texts["none_of_these"], "/deny"))
            dispatcher.utter_message(text=texts["choose_application"], buttons=buttons(*options))
            return not_ready
        guide = candidates[0]
        if guide.form is None:
            dispatcher.utter_message(text=texts.format("no_form", title=guide.title))
            return [*not_ready, SlotSet("current_service", guide.id)]
        return [
            SlotSet("current_service", guide.id),
            SlotSet("application_service", guide.id),
            SlotSet("application_status", "starting"),
            SlotSet("form_failures", {}),
            SlotSet("awaiting_confirmation", False),
            SlotSet("form_ready", True),
        ]

    async def _candidates(self, kb: KnowledgeBase, tracker: Tracker) -> list[ServiceGuide]:
        by_id = [g for v in entity_values(tracker, "service_id") if (g := kb.find_guide(v))]
        if by_id:
            return by_id[:1]
        text = request_text(tracker)
        mentioned = mentioned_guides(kb, text) or _mentioned_by_core(kb, text)
        if mentioned:
            with_form = [g for g in mentioned if g.form is not None]
            return (with_form or mentioned)[:1] if len(mentioned) == 1 else with_form or mentioned
        current = kb.find_guide(tracker.get_slot("current_service") or "")
        if current is not None:
            return [current]
        found = await asyncio.to_thread(self.services.search().find, text)
        if found.not_found:
            return []
        hits = found.hits[:3] if found.ambiguous else found.hits[:1]
        return [g for h in hits if (g := kb.find_guide(h.guide_id))]


class ValidateApplicationForm(GovAction):
    """Drives `application_form`: cancel, hand-off, correction, skip, validation, next field."""

    def name(self) -> str:
        return "validate_application_form"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
        kb = await asyncio.to_thread(self.services.kb)
        guide = _guide(kb, tracker)
        if guide is None:
            return [SlotSet("application_status", "stopped"), SlotSet(REQUESTED, None)]
        fields = fields_of(guide)
        requested = next((f for f in fields if f.name == tracker.get_slot(REQUESTED)), None)
        if requested is None:
            return self._start(dispatcher, tracker, guide)
        if is_emergency(tracker):  # answer at once, then carry on with the same question
            dispatcher.utter_message(response="utter_emergency")
            return self._ask(dispatcher, tracker, guide, [])
        if wants_cancel(tracker):
            return [SlotSet("application_status", "cancelled"), SlotSet(REQUESTED, None)]
        if wants_human(tracker):
            return [SlotSet("application_status", "handoff"), SlotSet(REQUESTED, None)]
        if wants_continue(tracker):
            return self._ask(dispatcher, tracker, guide, [SlotSet(requested.name, None)])
        if self._is_correction(tracker):
            return self._correct(dispatcher, tracker, guide, requested)
        if wants_skip(tracker):
            return self._skip(dispatcher, tracker, guide, requested)
        return self._validate(dispatcher, tracker, guide, requested)

    def _start(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, guide: ServiceGuide
    ) -> list[dict[str, Any]]:
        assert guide.form is not None
        events = [SlotSet("application_status", "collecting")]
        if tracker.get_slot("application_status") == "correcting":
            return self._ask(dispatcher, tracker, guide, events)
        texts = self.services.texts
        fields = fields_of(guide)
        values = _values(tracker, guide, [])
        filled = prefill(fields, values, given_values(list(tracker.events)))
        values.update(filled)
        names = reused(fields, values)
        intro = texts.format("form_intro", form_title=guide.form.title, count=len(fields))
        note = reused_note(texts, [f for f in fields if f.name in names], values)
        dispatcher.utter_message(text="\n".join(p for p in (intro, note) if p))
        events += [SlotSet(name, value) for name, value in filled.items()]
        return self._ask(dispatcher, tracker, guide, [*events, SlotSet(PREFILLED, names)])

    def _ask(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        guide: ServiceGuide,
        events: list[dict[str, Any]],
    ) -> list[dict[str, Any]]:
        missing = next_missing(fields_of(guide), _values(tracker, guide, events))
        if missing is None:
            return [*events, SlotSet("application_status", "complete"), SlotSet(REQUESTED, None)]
        text, options = question(self.services.texts, missing)
        dispatcher.utter_message(text=text, buttons=options)
        return [*events, SlotSet(REQUESTED, missing.name)]

    @staticmethod
    def _is_correction(tracker: Tracker) -> bool:
        text = latest_text(tracker)
        worded = any(word in text for word in _CORRECTION_WORDS)
        return worded and (latest_intent(tracker) == "correct_field" or len(text) <= 12)

    def _correct(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        guide: ServiceGuide,
        requested: FormField,
    ) -> list[dict[str, Any]]:
        texts = self.services.texts
        target = correction_target(fields_of(guide), latest_text(tracker))
        if target is None or target.name == requested.name:
            target = target or requested
            dispatcher.utter_message(text=texts.format("correct_ack", label=plain_label(target)))
            return self._ask(dispatcher, tracker, guide, [SlotSet(requested.name, None)])
        dispatcher.utter_message(text=texts.format("correct_ack", label=plain_label(target)))
        text, options = question(texts, target)
        dispatcher.utter_message(text=text, buttons=options)
        return [
            SlotSet(requested.name, None),
            SlotSet(target.name, None),
            *_not_reused(tracker, target),
            SlotSet(REQUESTED, target.name),
        ]

    def _skip(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        guide: ServiceGuide,
        requested: FormField,
    ) -> list[dict[str, Any]]:
        if requested.required:
            texts = self.services.texts
            dispatcher.utter_message(
                text=texts.format("required_no_skip", label=plain_label(requested))
            )
            return self._ask(dispatcher, tracker, guide, [SlotSet(requested.name, None)])
        return self._ask(dispatcher, tracker, guide, [SlotSet(requested.name, SKIPPED)])

    def _validate(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        guide: ServiceGuide,
        requested: FormField,
    ) -> list[dict[str, Any]]:
        result = validate_field(requested, latest_text(tracker))
        failures = dict(tracker.get_slot("form_failures") or {})
        if result.ok:
            failures.pop(requested.name, None)
            events = [SlotSet(requested.name, result.value), SlotSet("form_failures", failures)]
            return self._ask(dispatcher, tracker, guide, events)
        failures[requested.name] = int(failures.get(requested.name, 0)) + 1
        events = [SlotSet(requested.name, None), SlotSet("form_failures", failures)]
        if failures[requested.name] >= MAX_FAILURES_BEFORE_HELP:
            self._explain(dispatcher, requested, result.error or "")
            return [*events, SlotSet(REQUESTED, requested.name)]
        dispatcher.utter_message(text=result.error)
        return self._ask(dispatcher, tracker, guide, events)

    def _explain(self, dispatcher: CollectingDispatcher, field: FormField, error: str) -> None:
        texts = self.services.texts
        example = example_for(field)
        dispatcher.utter_message(
            text=texts.format(
                "retry_explain", label=plain_label(field), help=error, example=example
            ),
            buttons=buttons(
                (texts["continue_button"], texts["continue_button"]),
                (texts["stop_button"], texts["stop_button"]),
                (texts["human_button"], "/request_human"),
            ),
        )


FALLBACK_EXAMPLES = {
    FieldType.ID_NUMBER: "110101199003071233",
    FieldType.PHONE: "13812345678",
    FieldType.DATE: "2025-03-01",
    FieldType.EMAIL: "zhangsan@example.com",
    FieldType.NAME: "张三",
}


def example_for(field: FormField) -> str:
    """An example that itself passes validation (a KB example that does not is replaced)."""
    if field.options:
        return f"{field.options[0]}（或回复序号1）"
    if field.example and validate_field(field, field.example).ok:
        return field.example
    return FALLBACK_EXAMPLES.get(field.type, field.example or plain_label(field))


class ActionApplicationReview(GovAction):
    """After the form: summary to confirm, or the outcome of cancel / stop / hand-off."""

    def name(self) -> str:
        return "action_application_review"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
        kb = await asyncio.to_thread(self.services.kb)
        guide = _guide(kb, tracker)
        texts = self.services.texts
        status = tracker.get_slot("application_status")
        done: list[dict[str, Any]] = [SlotSet("awaiting_confirmation", False)]
        if guide is None or status == "stopped":
            dispatcher.utter_message(text=texts["application_stopped"])
            return [*done, SlotSet("application_status", None)]
        if status == "cancelled":
            dispatcher.utter_message(text=texts["application_cancelled"])
            return [*done, *_clear_fields(guide), SlotSet("application_status", None)]
        if status == "handoff":
            channel, _ = channel_and_sender(tracker)
            await asyncio.to_thread(
                request_handoff, self.services, tracker.sender_id, channel, "application_form"
            )
            dispatcher.utter_message(text=texts["handoff"])
            return [*done, SlotSet("application_status", None)]
        dispatcher.utter_message(
            text=summary(
                texts, guide, _values(tracker, guide, []), tracker.get_slot(PREFILLED) or []
            ),
            buttons=buttons(
                (texts["confirm_button"], "/affirm"),
                (texts["modify_button"], "/correct_field"),
                (texts["cancel_button"], "/cancel"),
            ),
        )
        return [SlotSet("awaiting_confirmation", True), SlotSet("application_status", "review")]


class ActionCancelApplication(GovAction):
    """Declined at the summary: nothing is stored, the fields are forgotten."""

    def name(self) -> str:
        return "action_cancel_application"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
        kb = await asyncio.to_thread(self.services.kb)
        guide = _guide(kb, tracker)
        dispatcher.utter_message(text=self.services.texts["application_cancelled"])
        cleared = _clear_fields(guide) if guide is not None else []
        return [
            SlotSet("awaiting_confirmation", False),
            SlotSet("application_status", None),
            *cleared,
        ]


class ActionCorrectField(GovAction):
    """'手机号填错了' at the summary: clear that field and go back into the form."""

    def name(self) -> str:
        return "action_correct_field"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
        kb = await asyncio.to_thread(self.services.kb)
        guide = _guide(kb, tracker)
        texts = self.services.texts
        if guide is None:
            dispatcher.utter_message(text=texts["application_stopped"])
            return [SlotSet("form_ready", False), SlotSet("awaiting_confirmation", False)]
        target = correction_target(fields_of(guide), latest_text(tracker))
        if target is None:
            options = [(plain_label(f), f"{plain_label(f)}填错了") for f in fields_of(guide)]
            dispatcher.utter_message(text=texts["correct_which"], buttons=buttons(*options))
            return [SlotSet("form_ready", False)]
        dispatcher.utter_message(text=texts.format("correct_ack", label=plain_label(target)))
        return [
            SlotSet(target.name, None),
            *_not_reused(tracker, target),
            SlotSet("awaiting_confirmation", False),
            SlotSet("application_status", "correcting"),
            SlotSet(REQUESTED, None),
            SlotSet("form_ready", True),
        ]
