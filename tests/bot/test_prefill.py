"""Values given earlier in a conversation pre-fill an application form (bot/actions/prefill.py)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from bot.actions.application import ActionCorrectField, ValidateApplicationForm
from bot.actions.prefill import PREFILLED, given_values, prefill
from bot.actions.services import BotServices
from knowledge.schema import FieldType
from tests.bot.test_actions import VALID_ID, run, slots_of, texts_of, tracker

PHONE = "13812345678"


def user(text: str, entities: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"event": "user", "text": text, "parse_data": {"entities": entities or []}}


def slot(name: str, value: Any) -> dict[str, Any]:
    return {"event": "slot", "name": name, "value": value}


def loop(name: str | None) -> dict[str, Any]:
    return {"event": "active_loop", "name": name}


def test_name_phone_and_id_said_in_free_text_are_found() -> None:
    known = given_values([user(f"我叫王小明，身份证{VALID_ID}，电话{PHONE}，想问居住证")])
    assert known == {
        FieldType.NAME: "王小明",
        FieldType.ID_NUMBER: VALID_ID,
        FieldType.PHONE: PHONE,
    }


def test_a_complaint_description_and_form_replies_are_not_reused() -> None:
    described = f"楼下饭店老板电话{PHONE}，天天半夜施工太吵了"
    events = [
        user(described),
        slot("feedback_text", described),
        loop("application_form"),
        user("13900001111"),  # an answer inside a form is a slot value already
        loop(None),
    ]
    assert given_values(events) == {}


def test_the_complaint_contact_is_reused_and_the_latest_value_wins() -> None:
    events = [user("我的手机是13700001111"), slot("feedback_contact", PHONE)]
    assert given_values(events)[FieldType.PHONE] == PHONE


def test_invalid_values_and_earlier_sessions_are_ignored() -> None:
    bad_id = VALID_ID[:-1] + "4"  # wrong check digit
    events = [user(f"我叫李四，电话{PHONE}"), {"event": "session_started"}, user(f"身份证{bad_id}")]
    assert given_values(events) == {}


def test_only_empty_fields_of_the_first_matching_type_are_filled(services: BotServices) -> None:
    guide = services.kb().find_guide("GA-001")
    assert guide is not None and guide.form is not None
    fields = guide.form.fields
    known = {FieldType.PHONE: PHONE, FieldType.NAME: "王小明"}
    assert prefill(fields, {"full_name": "张三"}, known) == {"phone": PHONE}


def form_tracker(events: list[dict[str, Any]], slots: dict[str, Any]) -> Tracker:
    return tracker("我要办居住证", "apply_service", slots, sender="web:prefill", events=events)


def test_form_start_reuses_earlier_values_masked_and_asks_only_the_rest(
    services: BotServices,
) -> None:
    events = [user(f"你好，我叫王小明，手机{PHONE}"), user("我要办居住证")]
    slots = {"application_service": "GA-001", "application_status": "starting"}
    out, messages = run(ValidateApplicationForm(services), form_tracker(events, slots))
    values = slots_of(out)
    assert values["full_name"] == "王小明" and values["phone"] == PHONE
    assert sorted(values[PREFILLED]) == ["full_name", "phone"]
    assert values["requested_slot"] == "id_number"  # the first field not given yet
    shown = texts_of(messages)
    assert "沿用" in shown and PHONE not in shown and "5678" in shown  # masked


def test_correcting_a_reused_field_drops_its_reused_mark(services: BotServices) -> None:
    slots = {
        "application_service": "GA-001",
        "application_status": "collecting",
        "awaiting_confirmation": True,
        "full_name": "王小明",
        "id_number": VALID_ID,
        "phone": PHONE,
        PREFILLED: ["full_name", "phone"],
    }
    t = tracker("手机号填错了", "correct_field", slots, sender="web:prefill")
    out, _ = run(ActionCorrectField(services), t)
    values = slots_of(out)
    assert values["phone"] is None and values[PREFILLED] == ["full_name"]
