"""Complaints and suggestions: what, where, optional contact; handed over as a ticket."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.base import GovAction
from bot.actions.conversation import (
    channel_and_sender,
    consume_pending,
    entity_values,
    explicit_cancel,
    is_emergency,
    latest_intent,
    latest_text,
    request_text,
    wants_cancel,
    wants_human,
    wants_skip,
)
from bot.actions.form_fields import SKIPPED
from bot.actions.handoff import request_handoff
from bot.actions.services import TicketInfo, TicketMissing
from bot.actions.texts import Texts
from bot.actions.validators import validate_phone

REQUESTED = "requested_slot"
ORDER = ("feedback_text", "feedback_location", "feedback_contact")
ASK = {
    "feedback_location": "feedback_ask_location",
    "feedback_contact": "feedback_ask_contact",
}
MIN_TEXT_CHARS = 8
ANONYMOUS = "anonymous"
_BARE_REQUEST = re.compile(
    r"^(我)?(要|想)?(投诉|举报|反映|提(个|一点|点)?(建议|意见)|建议|投訴)(一下)?[。!！]?$"
)
_ANONYMOUS = re.compile(r"匿名|不留|不用留|不需要|不想留|保密")
_TICKET_ID = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{2,6}-?\d{6,14})(?![A-Za-z0-9])")


def is_description(text: str) -> bool:
    """Whether the opening message already says what happened (not just "我要投诉")."""
    return len(text) >= 12 and not _BARE_REQUEST.match(text)


class ValidateFeedbackForm(GovAction):
    """Drives `feedback_form`: description, place, contact (or anonymous)."""

    def name(self) -> str:
        return "validate_feedback_form"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
        requested = tracker.get_slot(REQUESTED)
        if requested not in ORDER:
            return self._start(dispatcher, tracker)
        if is_emergency(tracker):  # answer at once, then carry on with the same question
            dispatcher.utter_message(response="utter_emergency")
            return self._ask(dispatcher, tracker, {})
        # "不留了" to the contact question declines the contact, whatever intent the NLU heard
        declines_contact = requested == "feedback_contact" and self._declines(tracker)
        if wants_cancel(tracker) and not declines_contact:
            return [SlotSet("feedback_status", "cancelled"), SlotSet(REQUESTED, None)]
        if wants_human(tracker):
            return [SlotSet("feedback_status", "handoff"), SlotSet(REQUESTED, None)]
        value, error = self._check(requested, tracker)
        if error is not None:
            dispatcher.utter_message(text=error)
            return self._ask(dispatcher, tracker, {requested: None})
        return self._ask(dispatcher, tracker, {requested: value})

    def _start(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
        kind = "suggestion" if latest_intent(tracker) == "give_suggestion" else "complaint"
        text = request_text(tracker)
        values: dict[str, Any] = dict.fromkeys(ORDER)
        if is_description(text):
            values["feedback_text"] = text
            places = entity_values(tracker, "place")
            if places:
                values["feedback_location"] = "、".join(places)
        events = [
            *consume_pending(tracker),
            SlotSet("feedback_kind", kind),
            SlotSet("feedback_status", "collecting"),
        ]
        return events + self._ask(dispatcher, tracker, values, kind)

    @staticmethod
    def _declines(tracker: Tracker) -> bool:
        text = latest_text(tracker)
        return bool(_ANONYMOUS.search(text)) and not explicit_cancel(text)

    def _check(self, requested: str, tracker: Tracker) -> tuple[str | None, str | None]:
        texts = self.services.texts
        text = latest_text(tracker)
        if requested == "feedback_text":
            if len(text) < MIN_TEXT_CHARS:
                return None, texts["feedback_too_short"]
            return text, None
        if requested == "feedback_location":
            return (SKIPPED if wants_skip(tracker) or len(text) < 2 else text), None
        if wants_skip(tracker) or _ANONYMOUS.search(text):
            return ANONYMOUS, None
        result = validate_phone(text)
        return (result.value, None) if result.ok else (None, texts["feedback_bad_contact"])

    def _ask(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        values: dict[str, Any],
        kind: str | None = None,
    ) -> list[dict[str, Any]]:
        current = {name: tracker.get_slot(name) for name in ORDER} | values
        events = [SlotSet(name, value) for name, value in values.items()]
        missing = next((name for name in ORDER if current[name] is None), None)
        if missing is None:
            return [*events, SlotSet("feedback_status", "complete"), SlotSet(REQUESTED, None)]
        kind = kind or tracker.get_slot("feedback_kind") or "complaint"
        key = ASK.get(missing) or (
            "feedback_ask_suggestion" if kind == "suggestion" else "feedback_ask_complaint"
        )
        dispatcher.utter_message(text=self.services.texts[key])
        return [*events, SlotSet(REQUESTED, missing)]


def _clear() -> list[dict[str, Any]]:
    return [SlotSet(name, None) for name in (*ORDER, "feedback_status", "feedback_kind")]


class ActionSubmitFeedback(GovAction):
    """After the feedback form: submit to the ticket service, or honour cancel / hand-off."""

    def name(self) -> str:
        return "action_submit_feedback"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
        texts = self.services.texts
        status = tracker.get_slot("feedback_status")
        channel, sender = channel_and_sender(tracker)
        if status == "cancelled" or not tracker.get_slot("feedback_text"):
            dispatcher.utter_message(text=texts["feedback_cancelled"])
            return _clear()
        if status == "handoff":
            await asyncio.to_thread(
                request_handoff, self.services, tracker.sender_id, channel, "feedback_form"
            )
            dispatcher.utter_message(text=texts["handoff"])
            return _clear()
        location = tracker.get_slot("feedback_location")
        contact = tracker.get_slot("feedback_contact")
        tickets = await asyncio.to_thread(self.services.tickets)
        ticket = await asyncio.to_thread(
            tickets.submit,
            tracker.get_slot("feedback_text"),
            channel,
            sender,
            None if location in (None, SKIPPED) else location,
            None if contact in (None, ANONYMOUS) else contact,
        )
        kind = texts[
            "kind_suggestion"
            if tracker.get_slot("feedback_kind") == "suggestion"
            else "kind_complaint"
        ]
        due = texts.format("feedback_due", due_at=ticket.due_at) if ticket.due_at else ""
        dispatcher.utter_message(
            text=texts.format(
                "feedback_submitted",
                kind=kind,
                ticket_id=ticket.ticket_id,
                department=ticket.department or texts["department_pending"],
                due=due,
            )
        )
        return [*_clear(), SlotSet("last_ticket_id", ticket.ticket_id)]


STATUS_LABELS = {
    "new": "已受理",
    "received": "已受理",
    "submitted": "已受理",
    "accepted": "已受理",
    "routed": "已派发",
    "assigned": "已派发",
    "dispatched": "已派发",
    "in_progress": "办理中",
    "processing": "办理中",
    "replied": "已答复",
    "resolved": "已办结",
    "closed": "已办结",
    "rejected": "不予受理",
    "受理": "已受理",
    "人工派单": "正在分派承办部门",
    "派单": "已派发至承办部门",
    "签收": "承办部门已签收",
    "办理中": "办理中",
    "延期申请中": "办理中（申请延期）",
    "已答复": "已答复",
    "办结": "已办结",
    "退回": "正在重新分派",
}


def ticket_text(texts: Texts, ticket: TicketInfo) -> str:
    reply = (
        texts.format("ticket_reply", reply=ticket.latest_reply)
        if ticket.latest_reply
        else texts["ticket_no_reply"]
    )
    return texts.format(
        "ticket_status",
        ticket_id=ticket.ticket_id,
        status=STATUS_LABELS.get(ticket.status.lower(), ticket.status),
        department=ticket.department or texts["department_pending"],
        reply=reply,
    )


class ActionCheckTicket(GovAction):
    """check_ticket: by number, else the tickets of this conversation."""

    def name(self) -> str:
        return "action_check_ticket"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
        return [*consume_pending(tracker), *await self._check(dispatcher, tracker)]

    async def _check(
        self, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> list[dict[str, Any]]:
        texts = self.services.texts
        match = _TICKET_ID.search(request_text(tracker))
        given = entity_values(tracker, "ticket_id") or ([match.group(1)] if match else [])
        ticket_id = given[0] if given else None
        tickets = await asyncio.to_thread(self.services.tickets)
        if ticket_id:
            try:
                ticket = await asyncio.to_thread(tickets.get, ticket_id.upper())
            except TicketMissing:
                dispatcher.utter_message(text=texts.format("ticket_not_found", ticket_id=ticket_id))
                return []
            dispatcher.utter_message(text=ticket_text(texts, ticket))
            return [SlotSet("last_ticket_id", ticket.ticket_id)]
        channel, sender = channel_and_sender(tracker)
        recent = await asyncio.to_thread(tickets.recent, channel, sender)
        if not recent:
            dispatcher.utter_message(text=texts["ticket_ask_id"])
            return []
        lines = [texts["ticket_recent_header"], *(ticket_text(texts, t) for t in recent[:5])]
        dispatcher.utter_message(text="\n".join(lines))
        return []
