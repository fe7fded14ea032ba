"""A full conversation in the widget, in headless Chromium, against the whole running assistant:
question, follow-up, a pre-filled application form to its printable document, and a complaint."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import BROWSER_ARTIFACTS, headless_chromium
from tests.integration.conftest import Stack

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.rasa]
ARTIFACTS = BROWSER_ARTIFACTS
VALID_ID = "110101199003071233"


@pytest.fixture(scope="module")
def page(full_stack: Stack) -> Iterator[object]:
    with headless_chromium() as browser:
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
        page = context.new_page()
        page.goto(full_stack.gateway.url + "/")
        page.get_by_role("button", name="打开政务服务智能助手").click()
        page.wait_for_function(
            "() => document.querySelector('.gva-status').textContent.startsWith('在线')"
        )
        yield page


def say(page: object, text: str, expect: str, timeout: int = 60_000) -> str:
    """Type like a citizen, wait for a bot bubble containing `expect`, return the last bot text."""
    before = page.locator(".gva-bot").count()  # type: ignore[attr-defined]
    box = page.get_by_label("输入您的问题")  # type: ignore[attr-defined]
    box.fill(text)
    box.press("Enter")
    page.wait_for_function(  # type: ignore[attr-defined]
        "([n, want]) => [...document.querySelectorAll('.gva-bot')].slice(n)"
        ".some(b => b.textContent.includes(want))",
        arg=[before, expect],
        timeout=timeout,
    )
    return str(page.locator(".gva-bot").last.text_content())  # type: ignore[attr-defined]


def test_question_follow_up_form_and_document(page: object, full_stack: Stack) -> None:
    say(page, "暂住证怎么办", "居住证申领")
    say(page, "那要带什么材料？", "居民身份证")
    page.screenshot(path=str(ARTIFACTS / "conversation-answer.png"))  # type: ignore[attr-defined]
    say(page, "我要申请居住证", "姓名")
    say(page, "张三", "公民身份号码")
    say(page, "110101199003071234", "校验位")  # a wrong checksum is explained, the field re-asked
    say(page, VALID_ID, "联系电话")
    say(page, "13812345678", "居住地址")
    say(page, "示例市东城区和平街道幸福小区3栋201室", "申领条件")
    page.get_by_role("button", name="合法稳定住所").click()  # type: ignore[attr-defined]
    page.wait_for_function("() => document.body.innerText.includes('居住登记日期')")  # type: ignore[attr-defined]
    say(page, "2025-03-01", "工作单位")
    say(page, "跳过", "请核对")
    page.screenshot(path=str(ARTIFACTS / "form-summary.png"))  # type: ignore[attr-defined]
    done = say(page, "确认", "申请编号")
    links = page.locator(".gva-link")  # type: ignore[attr-defined]
    href = str(links.last.get_attribute("href")) if links.count() else ""
    found = re.search(r"https?://\S+/applications/[\w-]{16,}\.(?:html|pdf)", href or done)
    assert found, done
    href = found.group(0)
    document = httpx.get(
        href if href.startswith("http") else full_stack.gateway.url + href, timeout=30
    )
    assert document.status_code == 200 and "张三" in document.text and "居住证" in document.text
    page.screenshot(path=str(ARTIFACTS / "form-done.png"))  # type: ignore[attr-defined]


def test_history_survives_reload_in_the_full_stack(page: object) -> None:
    page.reload()  # type: ignore[attr-defined]
    page.get_by_text("申请编号").first.wait_for(timeout=15_000)  # type: ignore[attr-defined]
