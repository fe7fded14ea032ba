"""GET/POST /wechat: URL verification and message handling for the official account.

WeChat waits 5 s for a passive reply and retries 3 times in 15 s. Each MsgId is handled
once (Redis); an answer not ready after WECHAT_REPLY_BUDGET_S is replied `success` and
delivered later through the customer-service API.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import PlainTextResponse, Response
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.utils import check_signature

from channels.conversation_store import ConversationStore
from channels.dependencies import ConversationsDep, SettingsDep, StoreDep
from channels.errors import error_responses
from channels.messages import InboundMessage, OutboundMessage
from channels.wechat.api_client import WeChatSender
from channels.wechat.codec import (
    BadWeChatMessage,
    BadWeChatSignature,
    decrypt,
    encrypt_reply,
    parse_plain,
    text_reply,
)
from channels.wechat.menu import click_text
from channels.wechat.render import render_text, split_utf8

router = APIRouter(tags=["wechat"])
log = logging.getLogger("govassist.wechat")
REPLY_BUDGET_S = 4.0
MAX_BODY = 64 * 1024


class SignedQuery:
    """The signature query parameters WeChat adds to every callback."""

    def __init__(
        self,
        signature: str = Query(""),
        timestamp: str = Query(""),
        nonce: str = Query(""),
        msg_signature: str = Query(""),
        encrypt_type: str = Query("raw"),
    ) -> None:
        self.signature, self.timestamp, self.nonce = signature, timestamp, nonce
        self.msg_signature, self.encrypt_type = msg_signature, encrypt_type


def verified(settings: SettingsDep, query: Annotated[SignedQuery, Depends()]) -> SignedQuery:
    """403 unless the request carries WeChat's signature for our token."""
    try:
        check_signature(
            settings.wechat_token.get_secret_value(), query.signature, query.timestamp, query.nonce
        )
    except InvalidSignatureException:
        raise HTTPException(status_code=403, detail="invalid WeChat signature") from None
    return query


VerifiedDep = Annotated[SignedQuery, Depends(verified)]


def get_sender(request: Request) -> WeChatSender:
    return request.app.state.wechat_sender  # type: ignore[no-any-return]


@router.get(
    "/wechat",
    response_class=PlainTextResponse,
    summary="WeChat server URL verification",
    responses=error_responses(403, 422, by_ref=True),
)
async def verify_url(_: VerifiedDep, echostr: str = Query(..., max_length=256)) -> str:
    return echostr


def _crypto(settings: Any) -> WeChatCrypto | None:
    key = settings.wechat_aes_key.get_secret_value() if settings.wechat_aes_key else ""
    return (
        WeChatCrypto(settings.wechat_token.get_secret_value(), key, settings.wechat_app_id)
        if key
        else None
    )


async def _inbound_text(
    message: Any, store: ConversationStore, texts: Any
) -> tuple[str | None, str | None]:
    """(text for the dialogue, or None) and (immediate reply, or None) for one WeChat message."""
    kind = getattr(message, "type", "unknown")
    if kind == "text":
        return await _resolve_option(store, message.source, message.content.strip()), None
    if kind == "voice":
        recognition = (getattr(message, "recognition", None) or "").strip()
        return (recognition or None), (None if recognition else texts.unsupported)
    if kind == "event":
        event = getattr(message, "event", "")
        if event == "subscribe":
            return None, texts.welcome
        if event == "click":  # a custom-menu button (channels/wechat/menu.yaml)
            text = click_text(str(getattr(message, "key", "") or ""))
            return text, None if text else texts.welcome
        return None, ""
    return None, texts.unsupported


async def _resolve_option(store: ConversationStore, openid: str, text: str) -> str:
    """A digit answering our numbered options becomes that option's payload."""
    if not text.isdigit():
        return text
    raw = await store.redis.get(f"govassist:wechat:options:{openid}")
    options = json.loads(raw) if raw else []
    index = int(text) - 1
    return str(options[index]) if 0 <= index < len(options) else text


async def _render_and_remember(
    store: ConversationStore, openid: str, replies: list[OutboundMessage]
) -> list[str]:
    text, options = render_text(replies)
    key = f"govassist:wechat:options:{openid}"
    if options:
        await store.redis.set(
            key, json.dumps([b.payload for b in options], ensure_ascii=False), ex=86400
        )
    else:
        await store.redis.delete(key)
    return split_utf8(text)


async def _deliver_later(
    task: asyncio.Task[list[OutboundMessage]],
    store: ConversationStore,
    sender: WeChatSender,
    openid: str,
) -> None:
    try:
        chunks = await _render_and_remember(store, openid, await task)
    except Exception:
        log.exception("wechat.deliver_later.failed")
        return
    await _send_in_order(sender, openid, chunks)


async def _send_in_order(sender: WeChatSender, openid: str, chunks: list[str]) -> None:
    """Customer-service messages one after another (parallel sends arrive shuffled).

    A chunk that fails, or could only go out as a (200-character) template message, stops the
    rest: the citizen would otherwise read an answer with a hole in it.
    """
    for number, chunk in enumerate(chunks, start=1):
        try:
            how = await sender.send_async(openid, chunk)
        except Exception:
            log.exception(
                "wechat.send_in_order.failed",
                extra={"ctx_chunk": number, "ctx_chunks": len(chunks)},
            )
            return
        if how != "customer_service":
            log.warning(
                "wechat.send_in_order.stopped",
                extra={"ctx_chunk": number, "ctx_chunks": len(chunks), "ctx_delivery": how},
            )
            return


def _in_background(request: Request, coro: Any) -> None:
    """Keep a reference to a fire-and-forget task until it finishes."""
    tasks: set[asyncio.Task[Any]] = request.app.state.background
    task = asyncio.create_task(coro)
    tasks.add(task)
    task.add_done_callback(tasks.discard)


def _read_message(body: bytes, query: SignedQuery, crypto: WeChatCrypto | None) -> Any:
    """The wechatpy message of a callback body: 413 too large, 403 forged, 400 unreadable."""
    if len(body) > MAX_BODY:
        raise HTTPException(status_code=413, detail="message body too large")
    try:
        xml = body.decode("utf-8")
        if query.encrypt_type == "aes":
            if crypto is None:
                raise BadWeChatMessage("encrypted message but WECHAT_AES_KEY is not configured")
            xml = decrypt(crypto, xml, query.msg_signature, query.timestamp, query.nonce)
        return parse_plain(xml)
    except BadWeChatSignature as exc:
        raise HTTPException(status_code=403, detail=str(exc)) from None
    except (UnicodeDecodeError, BadWeChatMessage) as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None


@router.post(
    "/wechat",
    summary="WeChat message callback (plain or 安全模式)",
    response_class=Response,
    responses={
        200: {
            "description": "a passive XML reply, or `success`",
            "content": {"application/xml": {}, "text/plain": {}},
        },
        **error_responses(400, 403, 413, 422),
    },
)
async def receive(
    request: Request,
    query: VerifiedDep,
    settings: SettingsDep,
    conversations: ConversationsDep,
    store: StoreDep,
) -> Response:
    crypto = _crypto(settings)
    message = _read_message(await request.body(), query, crypto)

    def reply(text: str) -> Response:
        if not text:
            return PlainTextResponse("success")
        xml_out = text_reply(message, text)
        if crypto is not None and query.encrypt_type == "aes":
            xml_out = encrypt_reply(crypto, xml_out, query.nonce, str(int(time.time())))
        return Response(xml_out, media_type="application/xml")

    openid = str(message.source)
    msg_key = f"wechat:{getattr(message, 'id', None) or f'{openid}:{message.time}'}"
    if not await store.first_time(msg_key, ttl_s=60):
        return PlainTextResponse("success")  # a retry of a message already being handled
    sender = get_sender(request)
    await asyncio.to_thread(sender.note_user_message, openid)
    text, immediate = await _inbound_text(message, store, request.app.state.texts)
    if text is None:
        return reply(immediate or "")
    inbound = InboundMessage(
        channel="wechat",
        sender_id=openid,
        text=text[: settings.max_message_chars],
        msg_id=str(getattr(message, "id", "") or ""),
    )
    task = asyncio.create_task(conversations.handle(inbound))
    try:
        replies = await asyncio.wait_for(asyncio.shield(task), timeout=REPLY_BUDGET_S)
    except TimeoutError:
        _in_background(request, _deliver_later(task, store, sender, openid))
        return PlainTextResponse("success")
    chunks = await _render_and_remember(store, openid, replies)
    if len(chunks) > 1:  # beyond one passive reply: customer-service messages, in order
        _in_background(request, _send_in_order(sender, openid, chunks[1:]))
    return reply(chunks[0] if chunks else "")


def install_sender(app: Any, settings: Any, redis_url: str) -> None:
    """Build the outbound client (kept on app.state) and the set of background deliveries."""
    app.state.wechat_sender = WeChatSender(
        settings.wechat_api_base,
        settings.wechat_app_id,
        settings.wechat_app_secret.get_secret_value(),
        redis_url,
        settings.wechat_template_id,
    )
    app.state.background = set()
