"""Parse WeChat XML safely and render passive replies (plain or 安全模式 encrypted)."""

from __future__ import annotations

import re
from typing import Any

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.replies import TextReply

MAX_PASSIVE_BYTES = 2048
_OPENID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # what WeChat issues; anything else is forged


class BadWeChatMessage(ValueError):
    """The body is not a WeChat message we can read (malformed, hostile or wrongly signed)."""


class BadWeChatSignature(BadWeChatMessage):
    """An encrypted (安全模式) body whose msg_signature is not ours: a forgery, not a bad body."""


def _reject_hostile(xml: str) -> None:
    """Refuse DTDs and entities (billion laughs, external entities) before anything else."""
    try:
        SafeET.fromstring(xml, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise BadWeChatMessage(f"forbidden XML construct: {exc.__class__.__name__}") from None
    except SafeET.ParseError as exc:
        raise BadWeChatMessage(f"malformed XML: {exc}") from None


def parse_plain(xml: str) -> Any:
    """A wechatpy message object from a plain-mode body."""
    _reject_hostile(xml)
    try:
        message = parse_message(xml)
    except Exception as exc:  # wechatpy raises assorted errors on odd input
        raise BadWeChatMessage(f"not a WeChat message: {exc.__class__.__name__}") from None
    _check_fields(message)
    return message


def _check_fields(message: Any) -> None:
    """The fields the gateway relies on are present and well-formed."""
    if not isinstance(message.source, str) or not _OPENID.match(message.source):
        raise BadWeChatMessage("FromUserName is not a WeChat OpenID")
    if not isinstance(message.target, str) or not message.target.strip():
        raise BadWeChatMessage("ToUserName (the official account) is missing")
    if getattr(message, "type", "") == "text" and not isinstance(message.content, str):
        raise BadWeChatMessage("text message without Content")


def decrypt(crypto: WeChatCrypto, xml: str, msg_signature: str, timestamp: str, nonce: str) -> str:
    """The inner XML of an encrypted (安全模式) body.

    Raises BadWeChatSignature for a wrong msg_signature, BadWeChatMessage for anything else.
    """
    _reject_hostile(xml)
    try:
        return str(crypto.decrypt_message(xml, msg_signature, timestamp, nonce))
    except InvalidSignatureException:
        raise BadWeChatSignature("invalid WeChat msg_signature") from None
    except InvalidAppIdException as exc:
        raise BadWeChatMessage(f"encrypted message rejected: {exc.__class__.__name__}") from None
    except Exception as exc:
        raise BadWeChatMessage(f"cannot decrypt: {exc.__class__.__name__}") from None


def text_reply(message: Any, text: str) -> str:
    """A passive text reply to `message`, as XML."""
    return str(TextReply(content=text, message=message).render())


def encrypt_reply(crypto: WeChatCrypto, xml: str, nonce: str, timestamp: str) -> str:
    return str(crypto.encrypt_message(xml, nonce, timestamp))
