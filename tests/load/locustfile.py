"""Load scenario mixing channels and flows (not collected by pytest; run by scripts/loadtest.py).

    locust -f tests/load/locustfile.py --host http://127.0.0.1:8000 --headless -u 30 -r 10 -t 60s

Users: web REST chat (questions, follow-ups, a form, a complaint), web WebSocket chat (question and
follow-up on one socket), WeChat XML, hotline utterances.
Each locust user plays a stream of citizens: every conversation (task) has a new sender id, as on
a real portal, so the per-citizen rate limit (RATE_LIMIT_PER_MINUTE) is not what is measured.
Set LOAD_BARE_RASA=1 and --host to a Rasa server to measure bare Rasa REST as the ceiling.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import random
import time
import uuid
from pathlib import Path

import websocket  # websocket-client
import yaml
from locust import HttpUser, User, between, task

QUESTIONS = [
    "居住证怎么办理",
    "社保卡丢了怎么补办",
    "公积金租房提取要什么材料",
    "驾照到期了怎么换",
    "办护照要多少钱",
    "个体户营业执照怎么办",
    "孩子上小学怎么报名",
    "异地就医怎么备案",
]
FOLLOW_UPS = ["那要带什么材料？", "在哪里办？", "要多久？", "收费吗？", "能网上办吗？"]
COMPLAINTS = [
    "我家小区门口的路灯坏了一个星期了",
    "建设路工地晚上十一点还在施工，太吵了",
    "公司拖欠我两个月工资",
]
FORM = [
    "我要申请居住证",
    "张三",
    "110101199003071233",  # a valid check digit
    "13812345678",
    "示例市东城区和平街道幸福小区3栋201室",
    "合法稳定住所",
    "2025-03-01",
    "跳过",
    "确认",
]
WECHAT_TOKEN = os.environ.get("WECHAT_TOKEN", "govassist-wechat-token")
AGENT = {"Authorization": f"Bearer {os.environ.get('AGENT_TOKEN', 'agent-dev-token')}"}
BARE_RASA = os.environ.get("LOAD_BARE_RASA") == "1"
# The gateway's apologies (Rasa too slow, no reply, rate limit) answer 200 but count as failures.
_TEXTS = yaml.safe_load((Path(__file__).parents[2] / "channels" / "texts.yml").read_text("utf-8"))
APOLOGIES = {_TEXTS[k] for k in ("busy", "no_reply", "rate_limited")}
_ids = itertools.count()


class WebChatUser(HttpUser):
    """A citizen on the web widget (REST form)."""

    weight = 6
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        self.new_citizen()

    def new_citizen(self) -> None:
        self.sender = f"load{uuid.uuid4().hex[:12]}"

    def say(self, text: str, name: str) -> None:
        if BARE_RASA:
            self.client.post(
                "/webhooks/rest/webhook", json={"sender": self.sender, "message": text}, name=name
            )
        else:
            with self.client.post(
                "/api/chat",
                json={"sender_id": self.sender, "text": text},
                name=name,
                catch_response=True,
            ) as response:
                texts = {m.get("text") for m in response.json().get("messages", [])}
                if response.status_code != 200 or not texts:
                    response.failure(f"no reply ({response.status_code})")
                elif texts & APOLOGIES:
                    response.failure("apology instead of an answer (busy / no reply / rate limit)")

    @task(6)
    def question_and_follow_up(self) -> None:
        self.new_citizen()
        self.say(random.choice(QUESTIONS), "web: question")
        self.say(random.choice(FOLLOW_UPS), "web: follow-up")

    @task(1)
    def complaint(self) -> None:
        self.new_citizen()
        self.say("我要投诉", "web: complaint")
        self.say(random.choice(COMPLAINTS), "web: complaint")
        self.say("东城区幸福小区", "web: complaint")
        self.say("不留联系方式", "web: complaint")

    @task(1)
    def form(self) -> None:
        self.new_citizen()
        for text in FORM:
            self.say(text, "web: form")


class WebSocketChatUser(User):
    """A citizen on the web widget over its WebSocket (`/ws/chat`): one socket per conversation.

    Locust has no WebSocket client: each turn (send {"text"} → the "messages" frame, skipping
    "typing") is timed here and reported as a request of type WS."""

    weight = 3
    wait_time = between(0.5, 2.0)
    host: str | None = None

    def _turn(self, ws: websocket.WebSocket, text: str, name: str) -> None:
        started = time.perf_counter()
        error: Exception | None = None
        try:
            ws.send(json.dumps({"text": text}, ensure_ascii=False))
            while True:
                frame = json.loads(ws.recv())
                if frame.get("type") == "messages":
                    texts = {m.get("text") for m in frame.get("messages", [])}
                    if not texts:
                        raise RuntimeError("no reply")
                    if texts & APOLOGIES:
                        raise RuntimeError("apology instead of an answer")
                    break
                if frame.get("type") == "error":
                    raise RuntimeError(str(frame.get("message")))
        except Exception as exc:  # any failure is a failed request in the report
            error = exc
        self.environment.events.request.fire(
            request_type="WS",
            name=name,
            response_time=(time.perf_counter() - started) * 1000,
            response_length=0,
            exception=error,
            context={},
        )

    @task
    def conversation(self) -> None:
        if BARE_RASA:
            return
        base = (self.host or "http://127.0.0.1:8000").replace("http", "ws", 1)
        ws = websocket.create_connection(
            f"{base}/ws/chat?sender_id=ws{uuid.uuid4().hex[:12]}", timeout=30
        )
        try:
            self._turn(ws, random.choice(QUESTIONS), "ws: question")
            self._turn(ws, random.choice(FOLLOW_UPS), "ws: follow-up")
        finally:
            ws.close()


class WeChatUser(HttpUser):
    """A follower of the official account sending plain-mode XML."""

    weight = 3
    wait_time = between(0.5, 2.0)

    @task
    def message(self) -> None:
        if BARE_RASA:
            return
        self.openid = f"oLoad{uuid.uuid4().hex[:16]}"
        ts, nonce = str(int(time.time())), uuid.uuid4().hex[:8]
        signature = hashlib.sha1("".join(sorted([WECHAT_TOKEN, ts, nonce])).encode()).hexdigest()
        xml = (
            f"<xml><ToUserName><![CDATA[gh_city]]></ToUserName><FromUserName><![CDATA[{self.openid}]]>"
            f"</FromUserName><CreateTime>{ts}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{random.choice(QUESTIONS)}]]></Content><MsgId>{time.time_ns()}{next(_ids)}</MsgId></xml>"
        )
        self.client.post(
            f"/wechat?signature={signature}&timestamp={ts}&nonce={nonce}",
            data=xml.encode(),
            name="wechat: text",
        )


class HotlineAgent(HttpUser):
    """A 12345 agent whose caller's speech is streamed in."""

    weight = 1
    wait_time = between(1.0, 3.0)

    def on_start(self) -> None:
        self.call_id = ""
        if not BARE_RASA:
            response = self.client.post(
                "/api/hotline/calls", json={}, headers=AGENT, name="hotline: open call"
            )
            self.call_id = response.json().get("call_id", "") if response.status_code == 201 else ""

    @task
    def utterance(self) -> None:
        if not self.call_id:
            return
        text = random.choice(QUESTIONS + COMPLAINTS)
        self.client.post(
            f"/api/hotline/calls/{self.call_id}/utterances",
            json={"speaker": "caller", "text": text},
            headers=AGENT,
            name="hotline: utterance",
        )
