"""Logs of a full run hold no raw ID numbers or phone numbers.

Drives the whole stack (gateway, Rasa, action server, and a ticket worker started here) with an
application form (name, ID number, phone), a complaint carrying an ID number and phones, a WeChat
message and a hotline call with a phone, then reads every process log.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import redis

from bot.tracker_codec import PREFIX, decode_tracker
from bot.tracker_retention import TRACKER_PATTERN, purge_trackers
from feedback.privacy import Cipher
from tests.conftest import REPO_ROOT
from tests.integration.conftest import Stack, _env

pytestmark = [pytest.mark.slow, pytest.mark.rasa]
AGENT = {"Authorization": "Bearer agent-dev-token"}


def _with_check_digit(first17: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    return first17 + "10X98765432"[total % 11]


FORM_ID = _with_check_digit("32010219880715002")
COMPLAINT_ID = _with_check_digit("44030519750102331")
FORM_PHONE, COMPLAINT_PHONE, WECHAT_PHONE, HOTLINE_PHONE = (
    "13787654321",
    "15912345670",
    "18611112222",
    "17722223333",
)
SECRETS = (FORM_ID, COMPLAINT_ID, FORM_PHONE, COMPLAINT_PHONE, WECHAT_PHONE, HOTLINE_PHONE)


@pytest.fixture(scope="module")
def worker(full_stack: Stack) -> Iterator[subprocess.Popen[bytes]]:
    """The ticket worker, as the runner starts it, logging next to the other processes."""
    env = {**os.environ, **_env(full_stack.settings)}
    with (full_stack.logs / "worker.log").open("ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "feedback.worker"],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    yield proc
    proc.terminate()
    proc.wait(timeout=20)


def _say(stack: Stack, sender: str, text: str) -> str:
    response = httpx.post(
        f"{stack.gateway.url}/api/chat", json={"sender_id": sender, "text": text}, timeout=60
    )
    assert response.status_code == 200, response.text
    return "\n".join(
        m["text"] + " ".join(b["title"] for b in m["buttons"]) for m in response.json()["messages"]
    )


def _application(stack: Stack) -> None:
    sender = "pii-form"
    start = _say(stack, sender, "我要申请居住证")
    if "姓名" not in start:
        assert "姓名" in _say(stack, sender, "居住证申领"), start
    assert "公民身份号码" in _say(stack, sender, "王小明")
    assert "联系电话" in _say(stack, sender, FORM_ID)
    assert "居住地址" in _say(stack, sender, FORM_PHONE)
    _say(stack, sender, "示例市东城区和平街道幸福小区3栋201室")
    _say(stack, sender, "2")
    _say(stack, sender, "2025-03-01")
    assert "请核对" in _say(stack, sender, "跳过")
    assert "申请编号" in _say(stack, sender, "确认")


def _complaint(stack: Stack) -> None:
    sender = "pii-complaint"
    _say(stack, sender, "我要投诉")
    _say(
        stack,
        sender,
        f"我叫赵六，身份证{COMPLAINT_ID}，手机{COMPLAINT_PHONE}，小区门口的路灯坏了一个星期",
    )
    _say(stack, sender, "东城区幸福小区")
    reply = _say(stack, sender, COMPLAINT_PHONE)
    assert "GD" in reply, reply


def _wechat(stack: Stack) -> None:
    token, ts, nonce = "govassist-wechat-token", str(int(time.time())), "n-pii"
    signature = hashlib.sha1("".join(sorted([token, ts, nonce])).encode()).hexdigest()
    xml = (
        f"<xml><ToUserName>gh</ToUserName><FromUserName>oPiiCitizen</FromUserName>"
        f"<CreateTime>{ts}</CreateTime><MsgType>text</MsgType>"
        f"<Content><![CDATA[我的电话是{WECHAT_PHONE}，社保卡丢了怎么补办]]></Content>"
        f"<MsgId>{time.time_ns()}</MsgId></xml>"
    )
    url = f"{stack.gateway.url}/wechat?signature={signature}&timestamp={ts}&nonce={nonce}"
    assert httpx.post(url, content=xml.encode(), timeout=30).status_code == 200


def _hotline(stack: Stack) -> None:
    url = stack.gateway.url
    call = httpx.post(
        f"{url}/api/hotline/calls", json={"caller_number": HOTLINE_PHONE}, headers=AGENT, timeout=10
    ).json()["call_id"]
    text = f"我要投诉建设路工地半夜施工，我电话{HOTLINE_PHONE}，身份证{COMPLAINT_ID}"
    response = httpx.post(
        f"{url}/api/hotline/calls/{call}/utterances",
        json={"speaker": "caller", "text": text},
        headers=AGENT,
        timeout=30,
    )
    assert response.status_code == 200, response.text


def test_no_raw_id_numbers_or_phones_in_any_log(
    full_stack: Stack, worker: subprocess.Popen[bytes]
) -> None:
    _application(full_stack)
    _complaint(full_stack)
    _wechat(full_stack)
    _hotline(full_stack)
    time.sleep(6)  # WeChat's late delivery, the worker's outbox relay, log flushes
    assert worker.poll() is None, (full_stack.logs / "worker.log").read_text(encoding="utf-8")

    logs = {
        p.name: p.read_text(encoding="utf-8", errors="replace")
        for p in full_stack.logs.glob("*.log")
    }
    assert {"gateway.log", "rasa.log", "actions.log", "worker.log"} <= set(logs), sorted(logs)
    assert all(logs[name].strip() for name in ("gateway.log", "rasa.log", "actions.log"))
    leaks = {
        (name, secret, text[max(0, text.find(secret) - 120) : text.find(secret) + 40])
        for name, text in logs.items()
        for secret in SECRETS
        if secret in text
    }
    assert not leaks, leaks


def test_the_rasa_tracker_store_layout_is_what_retention_purges(full_stack: Stack) -> None:
    """The retention purge finds Rasa's real trackers (a dry run counting everything)."""
    client = redis.Redis.from_url(full_stack.settings.redis_url)
    _say(full_stack, "pii-tracker", "你好")
    cipher = Cipher(full_stack.settings.secret_key.get_secret_value())
    assert purge_trackers(client, datetime.now(UTC) + timedelta(days=1), cipher, True) >= 1
    assert purge_trackers(client, datetime.now(UTC) - timedelta(days=1), cipher, True) == 0


def test_rasa_trackers_are_encrypted_at_rest(full_stack: Stack) -> None:
    """Trackers hold every message: in Redis they are ciphertext, readable with SECRET_KEY."""
    client = redis.Redis.from_url(full_stack.settings.redis_url)
    _say(full_stack, "pii-at-rest", f"我的手机号是{FORM_PHONE}，居住证怎么办")
    keys = list(client.scan_iter(match=TRACKER_PATTERN))
    assert keys
    values = [client.get(k) or b"" for k in keys]
    assert all(v.startswith(PREFIX.encode()) for v in values)
    assert not [s for s in SECRETS for v in values if s.encode() in v]
    cipher = Cipher(full_stack.settings.secret_key.get_secret_value())
    readable = [decode_tracker(cipher, v) for v in values]
    assert any(FORM_PHONE in text for text in readable)  # the message is there, encrypted
