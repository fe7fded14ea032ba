"""The gateway reaches an authenticated Rasa HTTP API: RASA_AUTH_TOKEN goes with every API call."""

from __future__ import annotations

import httpx
import pytest

from channels.messages import InboundMessage
from channels.rasa_client import RasaClient


def _recording_client(seen: list[httpx.Request]) -> httpx.AsyncClient:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/status":
            return httpx.Response(200, json={"model_file": "govassist.tar.gz"})
        if request.url.path == "/model/parse":
            return httpx.Response(200, json={"intent": {"name": "greet"}})
        return httpx.Response(200, json=[])

    return httpx.AsyncClient(transport=httpx.MockTransport(answer), base_url="http://rasa")


@pytest.mark.anyio
async def test_api_calls_carry_the_token_and_the_channel_does_not_need_it() -> None:
    seen: list[httpx.Request] = []
    rasa = RasaClient("http://rasa", 4.0, client=_recording_client(seen), auth_token="t0k")
    assert await rasa.is_ready()
    assert await rasa.parse_intent("你好") == "greet"
    assert await rasa.append_events("c1", [{"event": "slot", "name": "x", "value": None}])
    message = InboundMessage(channel="web", sender_id="s1", text="你好")
    await rasa.send(message)
    tokens = {r.url.path: r.url.params.get("token") for r in seen}
    assert tokens == {
        "/status": "t0k",
        "/model/parse": "t0k",
        "/conversations/c1/tracker/events": "t0k",
        "/webhooks/rest/webhook": None,  # the REST channel is not part of Rasa's HTTP API
    }
