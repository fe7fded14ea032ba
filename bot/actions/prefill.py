"""Values the citizen already gave in this conversation, reused to pre-fill an application form.

Sources, in the tracker's events of the current session: the phone left as a complaint's
contact, and ID numbers, phones and names said in free text outside a form (the NLU's
`id_number`/`phone` regex entities, or the same patterns in the text; a name only after
"我叫/姓名是"). Left out on purpose: a complaint's description (a phone in it is usually someone
else's) and replies inside a form (those are slot values already; a cancelled form's are
forgotten). Each value must pass the field's validator; the latest one wins; only the first
field of a type is filled (forms list the applicant first: 本人姓名 before 对方姓名).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from bot.actions.form_fields import SKIPPED
from bot.actions.validators import validate_id_number, validate_name, validate_phone
from knowledge.schema import FieldType, FormField

PREFILLED = "prefilled_fields"
_VALIDATORS = {
    FieldType.ID_NUMBER: validate_id_number,
    FieldType.PHONE: validate_phone,
    FieldType.NAME: validate_name,
}
_NAME_IN_TEXT = re.compile(
    r"(?:我叫|我的名字(?:是|叫)|本人姓名(?:是|为)?|姓名(?:是|为|：|:))\s*"
    r"([\u4e00-\u9fa5·]{2,4})(?![\u4e00-\u9fa5·])"
)
_CONTACT_SLOTS = {"feedback_contact": FieldType.PHONE}
_DESCRIPTION_SLOTS = ("feedback_text",)


def current_session(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The events since the last session start (all of them when there is none)."""
    starts = [i for i, e in enumerate(events) if e.get("event") == "session_started"]
    return events[starts[-1] + 1 :] if starts else events


def _valid(kind: FieldType, candidates: Iterable[str]) -> str | None:
    for candidate in candidates:
        result = _VALIDATORS[kind](candidate)
        if result.ok and result.value:
            return result.value
    return None


def _from_message(event: dict[str, Any]) -> dict[FieldType, str]:
    text = str(event.get("text") or "")
    entities = (event.get("parse_data") or {}).get("entities") or []
    found: dict[FieldType, str] = {}
    for kind in (FieldType.ID_NUMBER, FieldType.PHONE):
        said = [str(e.get("value")) for e in entities if e.get("entity") == kind.value]
        value = _valid(kind, [*said, text])
        if value:
            found[kind] = value
    said_names = [str(e.get("value")) for e in entities if e.get("entity") == FieldType.NAME.value]
    name = _valid(FieldType.NAME, [*said_names, *_NAME_IN_TEXT.findall(text)])
    if name:
        found[FieldType.NAME] = name
    return found


def given_values(events: list[dict[str, Any]]) -> dict[FieldType, str]:
    """ID number, phone and name the citizen gave in this session outside any form."""
    session = current_session(events)
    described = {
        str(e.get("value"))
        for e in session
        if e.get("event") == "slot" and e.get("name") in _DESCRIPTION_SLOTS and e.get("value")
    }
    known: dict[FieldType, str] = {}
    active: str | None = None
    for event in session:
        kind = event.get("event")
        if kind == "active_loop":
            active = event.get("name") or None
        elif kind == "slot" and event.get("name") in _CONTACT_SLOTS and event.get("value"):
            field_type = _CONTACT_SLOTS[str(event["name"])]
            value = _valid(field_type, [str(event["value"])])
            if value:
                known[field_type] = value
        elif kind == "user" and active is None:
            text = str(event.get("text") or "")
            if text.startswith("/") or text in described:
                continue
            known.update(_from_message(event))
    return known


def prefill(
    fields: list[FormField], values: dict[str, Any], known: dict[FieldType, str]
) -> dict[str, str]:
    """Field name → value for the empty first field of each type the citizen already gave."""
    filled: dict[str, str] = {}
    for kind, value in known.items():
        field = next((f for f in fields if f.type == kind), None)
        if field is not None and values.get(field.name) is None:
            filled[field.name] = value
    return filled


def reused(fields: list[FormField], values: dict[str, Any]) -> list[str]:
    """Names of the fields that already hold a value (given earlier, not skipped)."""
    return [f.name for f in fields if values.get(f.name) not in (None, SKIPPED)]
