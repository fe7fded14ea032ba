"""RasaClient: send one message to the Rasa server's REST channel, get channel-neutral replies."""

from __future__ import annotations

from typing import Any

import httpx

from channels.exceptions import UpstreamTimeout, UpstreamUnavailable
from channels.messages import Button, InboundMessage, OutboundMessage


def parse_rasa_reply(item: dict[str, Any]) -> OutboundMessage:
    """One element of Rasa's REST reply (text, buttons, custom payload) as an OutboundMessage."""
    raw_custom = item.get("custom")
    custom: dict[str, Any] = raw_custom if isinstance(raw_custom, dict) else {}
    buttons = [
        Button(title=str(b.get("title", "")), payload=str(b.get("payload", "")))
        for b in item.get("buttons") or []
        if isinstance(b, dict)
    ]
    text = str(item.get("text") or custom.get("text") or "")
    return OutboundMessage(
        text=text,
        buttons=buttons,
        link=custom.get("link") or item.get("image"),
        kind=custom.get("kind", "answer"),
    )


class RasaClient:
    """Talks to one Rasa server (or a load balancer in front of several)."""

    def __init__(
        self,
        base_url: str,
        timeout_s: float,
        client: httpx.AsyncClient | None = None,
        auth_token: str = "",
    ) -> None:
        self._base = base_url.rstrip("/")
        # Rasa's HTTP API (/status, /model/parse, /conversations) takes its --auth-token as ?token=
        self._api_params = {"token": auth_token} if auth_token else {}
        self._url = self._base + "/webhooks/rest/webhook"
        self._status_url = base_url.rstrip("/") + "/status"
        self._parse_url = base_url.rstrip("/") + "/model/parse"
        self._client = client or httpx.AsyncClient(timeout=httpx.Timeout(timeout_s, connect=1.0))

    async def send(self, message: InboundMessage, request_id: str = "") -> list[OutboundMessage]:
        """Post the message; raise UpstreamTimeout/UpstreamUnavailable on failure."""
        body = {
            "sender": message.conversation_id,
            "message": message.text,
            "metadata": {"channel": message.channel, "request_id": request_id, **message.metadata},
        }
        try:
            response = await self._client.post(
                self._url, json=body, headers={"X-Request-ID": request_id}
            )
        except httpx.TimeoutException as exc:
            raise UpstreamTimeout("Rasa did not answer in time") from exc
        except httpx.HTTPError as exc:
            raise UpstreamUnavailable(f"Rasa unreachable: {exc.__class__.__name__}") from exc
        if response.status_code >= 400:
            raise UpstreamUnavailable(f"Rasa answered {response.status_code}")
        data = response.json()
        return (
            [parse_rasa_reply(item) for item in data if isinstance(item, dict)]
            if isinstance(data, list)
            else []
        )

    async def parse_intent(self, text: str) -> str:
        """The NLU intent of a text (Rasa's /model/parse); "unknown" when Rasa is unavailable."""
        try:
            response = await self._client.post(
                self._parse_url, json={"text": text}, params=self._api_params, timeout=1.0
            )
            response.raise_for_status()
            return str(response.json().get("intent", {}).get("name") or "unknown")
        except (httpx.HTTPError, ValueError):
            return "unknown"

    async def append_events(self, conversation_id: str, events: list[dict[str, Any]]) -> bool:
        """Append tracker events (e.g. reset a slot); False when Rasa is unavailable."""
        url = f"{self._base}/conversations/{conversation_id}/tracker/events"
        try:
            response = await self._client.post(
                url, json=events, params=self._api_params, timeout=2.0
            )
        except httpx.HTTPError:
            return False
        return response.is_success

    async def is_ready(self) -> bool:
        """True when the Rasa server answers /status with a loaded model."""
        try:
            response = await self._client.get(
                self._status_url, params=self._api_params, timeout=1.0
            )
        except httpx.HTTPError:
            return False
        return response.is_success and bool(response.json().get("model_file"))

    async def aclose(self) -> None:
        await self._client.aclose()
