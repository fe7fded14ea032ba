"""End to end over HTTP: a real Rasa server (.venv-rasa) + the action server, Redis db 3."""

from __future__ import annotations

import re

import httpx
import pytest
import redis
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bot.applications.router import install, router
from tests.bot.conftest import REDIS_URL, BotStack, reply_text

pytestmark = [pytest.mark.slow, pytest.mark.rasa]

VALID_ID = "110101199003071233"


def test_ask_then_follow_up(bot_stack: BotStack) -> None:
    first = reply_text(bot_stack.say("web:ask-1", "居住证怎么办？"))
    assert "居住证申领" in first and "市公安局" in first and "信息来源" in first
    materials = reply_text(bot_stack.say("web:ask-1", "那要带什么材料？"))
    assert "居民身份证" in materials
    where = reply_text(bot_stack.say("web:ask-1", "在哪里办？"))
    assert "派出所" in where


def _documents_client(stack: BotStack) -> TestClient:
    app = FastAPI()
    app.include_router(router)

    async def startup() -> None:
        await install(app, stack.settings)

    app.router.on_startup.append(startup)
    return TestClient(app)


def test_full_application_with_mistakes_correction_skip_and_documents(bot_stack: BotStack) -> None:
    say = lambda text: reply_text(bot_stack.say("web:apply-1", text))  # noqa: E731
    assert "姓名" in say("我要办居住证")
    assert "公民身份号码" in say("张三")
    assert "校验位" in say("110101199003071234")
    assert "联系电话" in say(VALID_ID)
    assert "居住地址" in say("13812345678")
    assert "联系电话" in say("手机号填错了")
    assert "居住地址" in say("13900001111")
    assert "申领条件" in say("示例市东城区和平街道幸福小区3栋201室")
    assert "居住登记日期" in say("2")
    assert "工作单位" in say("2025-03-01")
    summary = say("跳过")
    assert "请核对" in summary and "*******1111" in summary and "（未填写）" in summary
    assert VALID_ID not in summary and "13900001111" not in summary
    done = say("确认")
    match = re.search(r"http://testserver(/applications/[\w-]+)\.html", done)
    assert match and "申请编号：SQ" in done
    assert "没能处理好" not in done  # the confirmation rule ends the turn cleanly
    with _documents_client(bot_stack) as client:
        html = client.get(match.group(1) + ".html")
        assert html.status_code == 200 and "张三" in html.text and VALID_ID in html.text
        assert "13900001111" in html.text and "居民身份证" in html.text
        pdf = client.get(match.group(1) + ".pdf")
        assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
        assert client.get("/applications/" + "x" * 32 + ".pdf").status_code == 404


def test_details_given_earlier_are_not_asked_again_in_the_form(bot_stack: BotStack) -> None:
    say = lambda text: reply_text(bot_stack.say("web:prefill-1", text))  # noqa: E731
    say("你好，我叫王小明，手机号13812345678，想咨询一下居住证")
    started = say("我要办居住证")
    assert "沿用" in started and "公民身份号码" in started  # name and phone are not asked
    assert "13812345678" not in started
    assert "居住地址" in say(VALID_ID)


def test_cancel_in_the_middle_of_a_form(bot_stack: BotStack) -> None:
    assert "姓名" in reply_text(bot_stack.say("web:cancel-1", "我要办居住证"))
    cancelled = reply_text(bot_stack.say("web:cancel-1", "不办了"))
    assert "已取消" in cancelled and "没能处理好" not in cancelled
    assert "居住证申领" in reply_text(bot_stack.say("web:cancel-1", "居住证要多长时间"))


def test_complaint_gets_a_ticket_number(bot_stack: BotStack) -> None:
    asked = reply_text(bot_stack.say("web:complain-1", "小区门口的路灯坏了一个月了没人修"))
    assert "手机号" in asked or "哪里" in asked
    if "哪里" in asked:
        asked = reply_text(bot_stack.say("web:complain-1", "示例市东城区幸福小区"))
    done = reply_text(bot_stack.say("web:complain-1", "匿名"))
    assert "工单号" in done and "承办部门" in done


def test_request_human_marks_the_conversation(bot_stack: BotStack) -> None:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.delete("govassist:handoff:web:human-1")
        assert "人工客服" in reply_text(bot_stack.say("web:human-1", "转人工"))
        assert client.get("govassist:handoff:web:human-1") is not None
        assert b"web:human-1" in client.lrange("govassist:handoff:queue", 0, -1)
    finally:
        client.close()


def test_emergency_and_chitchat(bot_stack: BotStack) -> None:
    assert "119" in reply_text(bot_stack.say("web:misc-1", "着火了，有人被困"))
    assert "您好" in reply_text(bot_stack.say("web:misc-1", "你好"))
    assert "12345" in reply_text(bot_stack.say("web:misc-1", "讲个笑话"))


def test_rasa_logs_do_not_contain_personal_data(bot_stack: BotStack) -> None:
    bot_stack.say("web:pii-1", f"我的身份证号是{VALID_ID}，电话13912345678")
    rasa_log = bot_stack.rasa_log.read_text(errors="replace")
    logs = rasa_log + bot_stack.actions_log.read_text(errors="replace")
    assert VALID_ID not in logs and "13912345678" not in logs
    assert "110101********1233" in rasa_log  # the message was logged (DEBUG), masked


def test_action_server_down_leaves_no_silent_crash(bot_stack: BotStack) -> None:
    """With the action server down the failed action leaves no rule to follow: RulePolicy's
    core fallback asks to try again (never silence). Rules needing no action keep working."""
    bot_stack.stop_actions()
    try:
        replies = reply_text(bot_stack.say("web:down-1", "居住证怎么办"))
        assert "稍后再试" in replies and "12345" in replies
        assert "您好" in reply_text(bot_stack.say("web:down-1", "你好"))
        status = httpx.get(f"{bot_stack.rasa_url}/status", timeout=5)
        assert status.is_success
    finally:
        bot_stack.start_actions()
    assert "居住证申领" in reply_text(bot_stack.say("web:down-1", "居住证怎么办"))
