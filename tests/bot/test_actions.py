"""Custom actions via Tracker.from_dict + CollectingDispatcher, on the real KB and search."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.answer import ActionAnswerQuestion
from bot.actions.application import (
    ActionApplicationReview,
    ActionCorrectField,
    ActionStartApplication,
    ValidateApplicationForm,
)
from bot.actions.complaint import ActionCheckTicket, ActionSubmitFeedback, ValidateFeedbackForm
from bot.actions.handoff import ActionHandoffToHuman
from bot.actions.services import BotServices
from bot.actions.submit import ActionSubmitApplication
from bot.applications.store import build_application_store
from govassist.settings import Settings

VALID_ID = "110101199003071233"


def tracker(
    text: str,
    intent: str = "inform",
    slots: dict[str, Any] | None = None,
    entities: list[dict[str, Any]] | None = None,
    sender: str = "web:tester",
    events: list[dict[str, Any]] | None = None,
) -> Tracker:
    return Tracker.from_dict(
        {
            "sender_id": sender,
            "slots": slots or {},
            "latest_message": {
                "text": text,
                "intent": {"name": intent, "confidence": 0.9},
                "entities": entities or [],
                "metadata": {"channel": "web"},
            },
            "events": events or [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        }
    )


def run(action: Any, t: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, t, {}))
    return events, dispatcher.messages


def slots_of(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def texts_of(messages: list[dict[str, Any]]) -> str:
    return "\n".join(
        str(m.get("text") or (m.get("custom") or {}).get("text") or "") for m in messages
    )


def test_answer_sets_current_service_and_cites_source(services: BotServices) -> None:
    events, messages = run(ActionAnswerQuestion(services), tracker("居住证怎么办", "ask_service"))
    text = texts_of(messages)
    assert "居住证申领" in text and "市公安局" in text
    assert "信息来源：https://zwfw.example.gov.cn/service/GA-001" in text
    assert slots_of(events)["current_service"] == "GA-001"
    payloads = [b["payload"] for m in messages for b in m.get("buttons", [])]
    assert any(p.startswith("/apply_service") and "GA-001" in p for p in payloads)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("那要带什么材料？", "居民身份证"),
        ("在哪里办？", "派出所"),
        ("能网上办吗？", "可以网上办理"),
    ],
)
def test_follow_up_answers_the_current_guide(
    services: BotServices, question: str, expected: str
) -> None:
    t = tracker(question, "ask_service", {"current_service": "GA-001"})
    events, messages = run(ActionAnswerQuestion(services), t)
    assert expected in texts_of(messages)
    assert slots_of(events)["current_service"] == "GA-001"


def test_unknown_question_asks_to_rephrase_and_offers_a_human(services: BotServices) -> None:
    registry = services.metrics.registry
    not_found = {"result": "not_found"}
    answered = {"action": "action_answer_question", "outcome": "ok"}
    before = registry.get_sample_value("govassist_search_total", not_found) or 0
    runs = registry.get_sample_value("govassist_actions_total", answered) or 0
    events, messages = run(ActionAnswerQuestion(services), tracker("asdfgh qwerty", "nlu_fallback"))
    assert "没有找到" in texts_of(messages)
    assert {"title": "转人工客服", "payload": "/request_human"} in messages[0]["buttons"]
    assert slots_of(events)["not_found_count"] == 1.0
    assert registry.get_sample_value("govassist_search_total", not_found) == before + 1
    assert registry.get_sample_value("govassist_actions_total", answered) == runs + 1


def test_button_choice_answers_the_chosen_guide(services: BotServices) -> None:
    entities = [{"entity": "service_id", "value": "GA-001"}]
    t = tracker(
        '/ask_service{"service_id": "GA-001"}',
        "ask_service",
        {"current_aspect": "materials"},
        entities,
    )
    _, messages = run(ActionAnswerQuestion(services), t)
    assert "居民身份证" in texts_of(messages)


def test_search_unavailable_gives_a_polite_message(bot_settings: Settings) -> None:
    broken = BotServices(bot_settings.model_copy(update={"encoder": "/nonexistent/encoder"}))
    _, messages = run(ActionAnswerQuestion(broken), tracker("护照怎么办", "ask_service"))
    assert texts_of(messages) == broken.texts["busy"]


def test_start_application_for_a_service_with_a_form(services: BotServices) -> None:
    events, messages = run(
        ActionStartApplication(services), tracker("我要办居住证", "apply_service")
    )
    slots = slots_of(events)
    assert slots["form_ready"] is True
    assert slots["application_service"] == "GA-001"
    assert messages == []


def test_naming_the_thing_without_the_titles_verb_starts_that_service(
    services: BotServices,
) -> None:
    """ "我要申请居住证" means 居住证申领: citizens name the thing, titles end with a verb."""
    kb = services.kb()
    checked = 0
    for guide in (g for g in kb.guides if g.form is not None):
        core = next(
            (
                guide.title[: -len(v)]
                for v in ("申领", "申请", "办理", "登记")
                if guide.title.endswith(v)
            ),
            "",
        )
        if len(core) < 3 or any(core in g.title for g in kb.guides if g is not guide):
            continue
        events, _ = run(
            ActionStartApplication(services), tracker(f"我想申请{core}", "apply_service")
        )
        assert slots_of(events).get("application_service") == guide.id, guide.title
        checked += 1
    assert checked >= 2  # 居住证申领, 失业保险金申领 …


def test_start_application_without_a_form_explains(services: BotServices) -> None:
    kb = services.kb()
    guide = next(g for g in kb.guides if g.form is None)
    events, messages = run(
        ActionStartApplication(services), tracker(f"我要办{guide.title}", "apply_service")
    )
    assert slots_of(events)["form_ready"] is False
    assert guide.title in texts_of(messages)


FORM_SLOTS = {"application_service": "GA-001", "application_status": "collecting"}


def test_form_asks_first_field_on_activation(services: BotServices) -> None:
    events, messages = run(
        ValidateApplicationForm(services),
        tracker("我要办居住证", "apply_service", {**FORM_SLOTS, "application_status": "starting"}),
    )
    assert slots_of(events)["requested_slot"] == "full_name"
    assert "居住证申领表" in texts_of(messages) and "姓名" in texts_of(messages)


def test_form_skips_fields_given_earlier(services: BotServices) -> None:
    slots = {**FORM_SLOTS, "full_name": "张三", "id_number": VALID_ID}
    events, _ = run(
        ValidateApplicationForm(services), tracker("我要办居住证", "apply_service", slots)
    )
    assert slots_of(events)["requested_slot"] == "phone"


def test_wrong_id_number_is_asked_again_then_explained(services: BotServices) -> None:
    slots = {**FORM_SLOTS, "full_name": "张三", "requested_slot": "id_number"}
    events, messages = run(
        ValidateApplicationForm(services), tracker("110101199003071234", slots=slots)
    )
    assert slots_of(events)["id_number"] is None
    assert "校验位" in texts_of(messages)
    failures = slots_of(events)["form_failures"]
    events, messages = run(
        ValidateApplicationForm(services),
        tracker("110101199003071234", slots={**slots, "form_failures": failures}),
    )
    text = texts_of(messages)
    assert "还没有填对" in text and VALID_ID in text
    titles = [b["title"] for m in messages for b in m.get("buttons", [])]
    assert titles == ["继续填写", "不办了", "转人工客服"]
    assert slots_of(events)["requested_slot"] == "id_number"


def test_valid_value_moves_on(services: BotServices) -> None:
    slots = {**FORM_SLOTS, "full_name": "张三", "requested_slot": "id_number"}
    events, messages = run(
        ValidateApplicationForm(services), tracker(f"身份证号{VALID_ID}", slots=slots)
    )
    assert slots_of(events)["id_number"] == VALID_ID
    assert slots_of(events)["requested_slot"] == "phone"
    assert "联系电话" in texts_of(messages)


def test_enum_field_offers_buttons(services: BotServices) -> None:
    slots = {
        **FORM_SLOTS,
        "full_name": "张三",
        "id_number": VALID_ID,
        "phone": "13812345678",
        "requested_slot": "residence_address",
    }
    events, messages = run(
        ValidateApplicationForm(services),
        tracker("示例市东城区和平街道幸福小区3栋201室", slots=slots),
    )
    assert slots_of(events)["requested_slot"] == "residence_basis"
    assert [b["title"] for b in messages[-1]["buttons"]] == [
        "合法稳定就业",
        "合法稳定住所",
        "连续就读",
    ]


def test_correction_reasks_the_named_field(services: BotServices) -> None:
    slots = {
        **FORM_SLOTS,
        "full_name": "张三",
        "id_number": VALID_ID,
        "phone": "13812345678",
        "requested_slot": "residence_address",
    }
    events, messages = run(
        ValidateApplicationForm(services), tracker("手机号填错了", "correct_field", slots)
    )
    assert slots_of(events)["phone"] is None
    assert slots_of(events)["requested_slot"] == "phone"
    assert "联系电话" in texts_of(messages)


def test_skip_optional_and_refuse_skipping_required(services: BotServices) -> None:
    slots = {**FORM_SLOTS, "requested_slot": "full_name"}
    events, messages = run(ValidateApplicationForm(services), tracker("跳过", "skip", slots))
    assert "必填项" in texts_of(messages)
    assert slots_of(events)["requested_slot"] == "full_name"
    done = {
        **FORM_SLOTS,
        "full_name": "张三",
        "id_number": VALID_ID,
        "phone": "13812345678",
        "residence_address": "示例市东城区幸福小区3栋",
        "residence_basis": "连续就读",
        "residence_since": "2025-03-01",
        "requested_slot": "employer",
    }
    events, _ = run(ValidateApplicationForm(services), tracker("跳过", "skip", done))
    assert slots_of(events)["employer"] == "__skipped__"
    assert slots_of(events)["requested_slot"] is None
    assert slots_of(events)["application_status"] == "complete"


def test_cancel_ends_the_form(services: BotServices) -> None:
    slots = {**FORM_SLOTS, "requested_slot": "phone"}
    events, _ = run(ValidateApplicationForm(services), tracker("不办了", "cancel", slots))
    assert slots_of(events) == {"application_status": "cancelled", "requested_slot": None}


COMPLETE = {
    "application_service": "GA-001",
    "application_status": "complete",
    "full_name": "张三",
    "id_number": VALID_ID,
    "phone": "13812345678",
    "residence_address": "示例市东城区幸福小区3栋201室",
    "residence_basis": "连续就读",
    "residence_since": "2025-03-01",
    "employer": "__skipped__",
}


def test_summary_masks_personal_data(services: BotServices) -> None:
    events, messages = run(ActionApplicationReview(services), tracker("2025-03-01", slots=COMPLETE))
    text = texts_of(messages)
    assert VALID_ID not in text and "13812345678" not in text
    assert "**************1233" in text and "*******5678" in text
    assert "张*" in text and "（未填写）" in text
    assert slots_of(events)["awaiting_confirmation"] is True


def test_correction_at_summary(services: BotServices) -> None:
    slots = {**COMPLETE, "awaiting_confirmation": True}
    events, _ = run(ActionCorrectField(services), tracker("身份证号写错了", "correct_field", slots))
    assert slots_of(events)["id_number"] is None and slots_of(events)["form_ready"] is True
    events, messages = run(ActionCorrectField(services), tracker("修改", "correct_field", slots))
    assert slots_of(events) == {"form_ready": False}
    assert "姓名填错了" in [b["payload"] for b in messages[0]["buttons"]]


def test_submit_stores_the_application_and_links_the_document(
    services: BotServices, bot_settings: Settings
) -> None:
    events, messages = run(
        ActionSubmitApplication(services),
        tracker("确认", "affirm", {**COMPLETE, "awaiting_confirmation": True}),
    )
    custom = messages[0]["custom"]
    assert custom["link"].startswith("http://testserver/applications/") and custom["link"].endswith(
        ".html"
    )
    assert "申请编号：SQ" in custom["text"] and ".pdf" in custom["text"]
    assert "居民身份证" in custom["text"]
    token = custom["link"].rsplit("/", 1)[1].removesuffix(".html")
    stored = build_application_store(bot_settings).by_token(token)
    assert {f.name: f.value for f in stored.fields}["id_number"] == VALID_ID
    assert slots_of(events)["awaiting_confirmation"] is False


def test_feedback_form_takes_a_descriptive_opening(services: BotServices) -> None:
    t = tracker(
        "小区门口的路灯坏了一个月了没人修",
        "file_complaint",
        entities=[{"entity": "place", "value": "小区门口"}],
    )
    events, messages = run(ValidateFeedbackForm(services), t)
    slots = slots_of(events)
    assert slots["feedback_text"] == "小区门口的路灯坏了一个月了没人修"
    assert slots["feedback_location"] == "小区门口"
    assert slots["requested_slot"] == "feedback_contact"
    assert "匿名" in texts_of(messages)


def test_feedback_form_asks_what_happened_for_a_bare_request(services: BotServices) -> None:
    events, messages = run(ValidateFeedbackForm(services), tracker("我要投诉", "file_complaint"))
    assert slots_of(events)["requested_slot"] == "feedback_text"
    assert "发生了什么" in texts_of(messages)


def test_feedback_contact_accepts_anonymous_or_a_phone(services: BotServices) -> None:
    slots = {
        "feedback_text": "路灯坏了很久了没人修",
        "feedback_location": "幸福小区",
        "requested_slot": "feedback_contact",
    }
    events, _ = run(ValidateFeedbackForm(services), tracker("匿名", slots=slots))
    assert slots_of(events)["feedback_contact"] == "anonymous"
    # declining the contact is no cancel, even when the NLU hears one
    for text in ("不留了", "不留联系方式了"):
        events, _ = run(ValidateFeedbackForm(services), tracker(text, "cancel", slots=slots))
        assert slots_of(events)["feedback_contact"] == "anonymous", text
    events, _ = run(
        ValidateFeedbackForm(services), tracker("算了不留了，取消吧", "cancel", slots=slots)
    )
    assert slots_of(events)["feedback_status"] == "cancelled"
    events, messages = run(ValidateFeedbackForm(services), tracker("12345", slots=slots))
    assert slots_of(events)["requested_slot"] == "feedback_contact"
    assert "手机号格式不正确" in texts_of(messages)


def test_cancelled_feedback_is_not_submitted(services: BotServices) -> None:
    _, messages = run(
        ActionSubmitFeedback(services), tracker("算了", "cancel", {"feedback_status": "cancelled"})
    )
    assert "已取消" in texts_of(messages)


def test_handoff_marks_the_conversation_in_redis(services: BotServices, redis_db: Any) -> None:
    _, messages = run(
        ActionHandoffToHuman(services), tracker("转人工", "request_human", sender="web:handoff-1")
    )
    assert "人工客服" in texts_of(messages)
    record = json.loads(redis_db.get("govassist:handoff:web:handoff-1"))
    assert record["channel"] == "web" and record["reason"] == "request_human"
    assert redis_db.lrange("govassist:handoff:queue", 0, -1) == [b"web:handoff-1"]


def test_handoff_with_redis_down_points_to_12345(bot_settings: Settings) -> None:
    down = BotServices(bot_settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"}))
    _, messages = run(ActionHandoffToHuman(down), tracker("转人工", "request_human"))
    assert "12345" in texts_of(messages)


FEEDBACK_DONE = {
    "feedback_kind": "complaint",
    "feedback_status": "complete",
    "feedback_text": "幸福小区门口的路灯坏了一个月了没人修，晚上很危险",
    "feedback_location": "示例市东城区幸福小区",
    "feedback_contact": "anonymous",
}


def test_feedback_becomes_a_ticket_that_can_be_checked(services: BotServices) -> None:
    sender = "web:ticket-1"
    events, messages = run(
        ActionSubmitFeedback(services), tracker("匿名", slots=FEEDBACK_DONE, sender=sender)
    )
    text = texts_of(messages)
    ticket_id = slots_of(events)["last_ticket_id"]
    assert ticket_id.startswith("GD") and f"工单号：{ticket_id}" in text and "承办部门" in text
    _, messages = run(
        ActionCheckTicket(services), tracker(f"查询工单 {ticket_id}", "check_ticket", sender=sender)
    )
    assert ticket_id in texts_of(messages) and "当前状态“" in texts_of(messages)
    _, messages = run(
        ActionCheckTicket(services), tracker("我的投诉怎么样了", "check_ticket", sender=sender)
    )
    assert "您在本次对话中提交的工单" in texts_of(messages) and ticket_id in texts_of(messages)


def test_unknown_ticket_and_no_tickets(services: BotServices) -> None:
    _, messages = run(
        ActionCheckTicket(services), tracker("查询工单 GD209901010001", "check_ticket")
    )
    assert "没有找到工单 GD209901010001" in texts_of(messages)
    _, messages = run(
        ActionCheckTicket(services), tracker("查进度", "check_ticket", sender="web:nobody")
    )
    assert "工单号" in texts_of(messages)


def test_third_miss_in_a_row_hands_off(services: BotServices, redis_db: Any) -> None:
    t = tracker("asdfgh qwerty", "nlu_fallback", {"not_found_count": 2.0}, sender="web:lost-1")
    events, messages = run(ActionAnswerQuestion(services), t)
    assert "已为您转接人工客服" in texts_of(messages)
    assert redis_db.get("govassist:handoff:web:lost-1") is not None
    assert slots_of(events)["not_found_count"] == 0.0


DEFAULT_REPLIES = {
    "name": "张三",
    "id_number": VALID_ID,
    "phone": "13812345678",
    "date": "2025-03-01",
    "enum": "1",
    "number": "3000",
    "email": "zhangsan@example.com",
    "address": "示例市东城区和平街道幸福小区3栋201室",
    "text": "示例内容",
}


def _reply_for(field: Any) -> str:
    from bot.actions.validators import validate_field

    if field.example and validate_field(field, field.example).ok:
        return str(field.example)
    return DEFAULT_REPLIES[field.type.value]


def test_every_kb_form_can_be_completed(services: BotServices) -> None:
    """Each guide's form, driven through the validation action with plausible replies."""
    guides = services.kb().guides_with_form()
    assert len(guides) >= 6
    for guide in guides:
        slots: dict[str, Any] = {"application_service": guide.id, "application_status": "starting"}
        events, _ = run(
            ValidateApplicationForm(services), tracker("我要办", "apply_service", slots)
        )
        for _ in range(len(guide.form.fields) + 1):
            slots.update(slots_of(events))
            requested = slots.get("requested_slot")
            if requested is None:
                break
            field = next(f for f in guide.form.fields if f.name == requested)
            events, messages = run(
                ValidateApplicationForm(services), tracker(_reply_for(field), slots=slots)
            )
            assert slots_of(events)[requested] is not None, (
                guide.id,
                requested,
                texts_of(messages),
            )
        assert slots.get("application_status") == "complete", guide.id
        assert all(slots.get(f.name) for f in guide.form.fields), guide.id
