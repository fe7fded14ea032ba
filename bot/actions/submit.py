"""ActionSubmitApplication: store the confirmed application and reply with its document links."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.base import GovAction
from bot.actions.conversation import channel_and_sender
from bot.actions.form_fields import SKIPPED, fields_of, plain_label
from bot.applications.schemas import ApplicationCreate, FilledField, GuideSnapshot
from knowledge.schema import ServiceGuide


def snapshot(guide: ServiceGuide) -> GuideSnapshot:
    """What the printable document needs of the guide, frozen at submission time."""
    materials = [
        m.name + (f"（{m.form.value}{m.count}份）") + (f"，{m.condition}" if m.condition else "")
        for m in guide.materials
    ]
    return GuideSnapshot(
        guide_id=guide.id,
        title=guide.title,
        form_title=guide.form.title if guide.form else guide.title,
        department=guide.department,
        materials=materials,
        locations=[f"{loc.name}：{loc.address}（{loc.hours}）" for loc in guide.locations],
        online=guide.online.url if guide.online.available and guide.online.url else None,
        phone=guide.phone,
        steps=list(guide.steps),
    )


def filled_fields(guide: ServiceGuide, tracker: Tracker) -> list[FilledField]:
    filled = []
    for field in fields_of(guide):
        value = tracker.get_slot(field.name)
        filled.append(
            FilledField(
                name=field.name,
                label=plain_label(field),
                value=None if value in (None, SKIPPED) else str(value),
                pii=field.pii.value,
            )
        )
    return filled


class ActionSubmitApplication(GovAction):
    """Confirmed at the summary: store, reply with the reference number and the links."""

    def name(self) -> str:
        return "action_submit_application"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
        kb = await asyncio.to_thread(self.services.kb)
        guide = kb.find_guide(tracker.get_slot("application_service") or "")
        texts = self.services.texts
        if guide is None or guide.form is None:
            dispatcher.utter_message(text=texts["application_stopped"])
            return [SlotSet("awaiting_confirmation", False)]
        channel, sender = channel_and_sender(tracker)
        request = ApplicationCreate(
            guide=snapshot(guide),
            fields=filled_fields(guide, tracker),
            channel=channel,
            sender_id=sender,
        )
        store = await asyncio.to_thread(self.services.applications)
        stored = await asyncio.to_thread(store.create, request)
        base = self.services.settings.resolved_public_base_url.rstrip("/")
        html_url = f"{base}/applications/{stored.token}.html"
        pdf_url = f"{base}/applications/{stored.token}.pdf"
        text = texts.format(
            "application_saved",
            form_title=guide.form.title,
            reference=stored.reference,
            html_url=html_url,
            pdf_url=pdf_url,
        )
        online = (
            texts.format("application_online", url=guide.online.url)
            if guide.online.available and guide.online.url
            else ""
        )
        where = guide.locations[0].name if guide.locations else guide.department
        required = [m.name for m in guide.materials if m.required] or [
            m.name for m in guide.materials
        ]
        next_steps = texts.format(
            "application_next_steps", location=where, materials="、".join(required), online=online
        ).replace("也可以。", "")
        dispatcher.utter_message(
            json_message={"text": text + "\n" + next_steps, "link": html_url, "kind": "answer"}
        )
        return [
            SlotSet("awaiting_confirmation", False),
            SlotSet("application_status", "submitted"),
        ]
