"""Outbound WeChat API: customer-service (客服) messages within 48 h, template messages after.

wechatpy does the protocol (access-token fetch, caching in Redis, refresh on 40001/42001);
the base URL is configurable so tests can point it at a local stub server.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Literal

import redis
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.session.redisstorage import RedisStorage

from channels.exceptions import UpstreamUnavailable

log = logging.getLogger("govassist.wechat")
Delivery = Literal["customer_service", "template", "undeliverable"]
SERVICE_WINDOW_S = 48 * 3600
SERVICE_WINDOW_MAX = 5  # customer-service messages allowed per user message within the window


def mask_openid(openid: str) -> str:
    """oAbCdEfGhIjKlMn -> oAbC****Mn: enough to tell users apart in logs, not to message them."""
    return openid[:4] + "****" + openid[-2:] if len(openid) > 8 else "****"


class _ConfigurableClient(WeChatClient):  # type: ignore[misc]
    """wechatpy's client with the API base (token URL included) taken from configuration."""

    def __init__(self, api_base: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.API_BASE_URL = api_base.rstrip("/") + "/cgi-bin/"

    def fetch_access_token(self) -> Any:
        return self._fetch_access_token(
            url=self.API_BASE_URL + "token",
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
        )


def wechat_client(
    api_base: str,
    app_id: str,
    app_secret: str,
    token_store: redis.Redis | None = None,
    timeout_s: float = 5.0,
) -> WeChatClient:
    """wechatpy's client on our API base; the access token is shared through Redis when given
    (fetching a new one retires the one every gateway has cached)."""
    session = RedisStorage(token_store, prefix="govassist:wechatpy") if token_store else None
    return _ConfigurableClient(api_base, app_id, app_secret, session=session, timeout=timeout_s)


class WeChatSender:
    """Delivers text to a WeChat user by the channel the platform allows right now."""

    def __init__(
        self,
        api_base: str,
        app_id: str,
        app_secret: str,
        redis_url: str,
        template_id: str = "",
        timeout_s: float = 5.0,
    ) -> None:
        self._redis = redis.Redis.from_url(redis_url, socket_timeout=2)
        self._client = wechat_client(api_base, app_id, app_secret, self._redis, timeout_s)
        self._template_id = template_id

    def note_user_message(self, openid: str) -> None:
        """A user message opens (or renews) the 48-hour customer-service window."""
        pipe = self._redis.pipeline()
        pipe.set(f"govassist:wechat:last_seen:{openid}", int(time.time()), ex=SERVICE_WINDOW_S)
        pipe.delete(f"govassist:wechat:cs_count:{openid}")
        pipe.execute()

    def _may_use_customer_service(self, openid: str) -> bool:
        if not self._redis.exists(f"govassist:wechat:last_seen:{openid}"):
            return False
        return int(self._redis.incr(f"govassist:wechat:cs_count:{openid}")) <= SERVICE_WINDOW_MAX

    def send(self, openid: str, text: str, url: str | None = None) -> Delivery:
        """Send now; returns the channel used, or "undeliverable".

        Outside the 48-hour window only a template message may reach the user; without
        WECHAT_TEMPLATE_ID nothing can, and the caller is told so instead of a failing API call.
        """
        try:
            if self._may_use_customer_service(openid):
                self._client.message.send_text(openid, text + (f"\n{url}" if url else ""))
                return "customer_service"
            if not self._template_id:
                log.warning(
                    "wechat.notice.undeliverable",
                    extra={"ctx_openid": mask_openid(openid), "ctx_reason": "no_template_id"},
                )
                return "undeliverable"
            data = {
                "first": {"value": text[:200]},
                "remark": {"value": "详情请点击查看或回复消息咨询"},
            }
            self._client.message.send_template(openid, self._template_id, data, url=url)
            return "template"
        except (WeChatClientException, OSError) as exc:
            raise UpstreamUnavailable(f"WeChat API failed: {exc}") from exc

    async def send_async(self, openid: str, text: str, url: str | None = None) -> Delivery:
        return await asyncio.to_thread(self.send, openid, text, url)
