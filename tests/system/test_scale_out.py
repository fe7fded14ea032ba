"""Scale-out: two gateways and two Rasa servers behind round-robin proxies, sharing Redis and
PostgreSQL.

Every turn of one conversation lands on another gateway and (independently) another Rasa server,
so the dialogue state can only survive through the shared tracker store and lock store in Redis.
"""

from __future__ import annotations

import re

import httpx
import pytest

from tests.system.conftest import ScaledStack
from tests.system.stack import chat, proxy_counts, text_of

pytestmark = [pytest.mark.slow, pytest.mark.rasa, pytest.mark.postgres]

VALID_ID = "110101199003071233"  # GB 11643 check digit 3


def _check_digit(body: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11]


def test_the_id_number_used_is_valid() -> None:
    assert _check_digit(VALID_ID[:17]) == VALID_ID[17]


def _turns_by_instance(stack: ScaledStack) -> tuple[dict[str, int], dict[str, int]]:
    return proxy_counts(stack.gateway_proxy), proxy_counts(stack.rasa_proxy)


def test_question_and_follow_up_across_instances(scaled_stack: ScaledStack) -> None:
    gw_before, rasa_before = _turns_by_instance(scaled_stack)
    first = text_of(chat(scaled_stack.url, "sys-scale-ask", "居住证怎么办理"))
    assert "居住证申领" in first
    follow = text_of(chat(scaled_stack.url, "sys-scale-ask", "那要带什么材料？"))
    assert "居民身份证" in follow, follow
    gw_after, rasa_after = _turns_by_instance(scaled_stack)
    # two turns, strict alternation: each gateway and each Rasa server took exactly one of them
    assert all(gw_after[u] - gw_before[u] == 1 for u in gw_after), (gw_before, gw_after)
    assert all(rasa_after[u] - rasa_before[u] >= 1 for u in rasa_after), (rasa_before, rasa_after)


def test_full_application_form_across_instances(scaled_stack: ScaledStack) -> None:
    sender = "sys-scale-form"
    say = lambda text: text_of(chat(scaled_stack.url, sender, text))  # noqa: E731
    gw_before, rasa_before = _turns_by_instance(scaled_stack)
    start = chat(scaled_stack.url, sender, "我要申请居住证")
    if "姓名" not in text_of(start):
        # the NLU may ask which service is meant (居住证申领 / …): take the button the citizen would
        buttons = [b for m in start["messages"] for b in m.get("buttons") or []]
        chosen = next((b for b in buttons if b["title"] == "居住证申领"), None)
        assert chosen is not None, start
        assert "姓名" in say(chosen["payload"])
    assert "公民身份号码" in say("张三")
    assert "联系电话" in say(VALID_ID)
    assert "居住地址" in say("13900001111")
    assert "申领条件" in say("示例市东城区和平街道幸福小区3栋201室")
    assert "居住登记日期" in say("2")
    assert "工作单位" in say("2025-03-01")
    summary = say("跳过")
    assert "请核对" in summary and "（未填写）" in summary, summary
    done = say("确认")
    match = re.search(r"(/applications/[\w-]+)\.html", done)
    assert match and "申请编号：SQ" in done, done
    gw_after, rasa_after = _turns_by_instance(scaled_stack)
    gw_turns = {u: gw_after[u] - gw_before[u] for u in gw_after}
    rasa_turns = {u: rasa_after[u] - rasa_before[u] for u in rasa_after}
    assert min(gw_turns.values()) >= 4 and max(gw_turns.values()) - min(gw_turns.values()) <= 1, (
        gw_turns
    )
    assert all(n >= 4 for n in rasa_turns.values()), rasa_turns
    # the document is stored in the shared PostgreSQL database: either gateway can serve it
    for _ in range(2):
        html = httpx.get(scaled_stack.url + match.group(1) + ".html", timeout=30)
        assert html.status_code == 200 and "张三" in html.text and VALID_ID in html.text
