"""Render channel-neutral bot messages as WeChat text: numbered options, links, 2048-byte limit."""

from __future__ import annotations

from channels.messages import Button, OutboundMessage

PASSIVE_LIMIT = 2000  # bytes of content, leaving room for the XML envelope under WeChat's 2048


def render_text(messages: list[OutboundMessage]) -> tuple[str, list[Button]]:
    """One text for all messages, buttons as numbered options; returns the options in order."""
    parts: list[str] = []
    options: list[Button] = []
    for message in messages:
        lines = [message.text] if message.text else []
        for button in message.buttons:
            options.append(button)
            lines.append(f"{len(options)}. {button.title}")
        if message.link:
            lines.append(f"链接：{message.link}")
        parts.append("\n".join(lines))
    if options:
        parts.append("（回复数字选择）")
    return "\n\n".join(p for p in parts if p), options


def split_utf8(text: str, limit: int = PASSIVE_LIMIT) -> list[str]:
    """Split text into chunks of at most `limit` UTF-8 bytes, preferring line breaks."""
    chunks: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        while len(line.encode()) > limit:  # a single over-long line: cut by characters
            cut = len(line)
            while len(line[:cut].encode()) > limit:
                cut -= max(1, (len(line[:cut].encode()) - limit) // 3)
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:cut])
            line = line[cut:]
        if len((current + line).encode()) > limit:
            chunks.append(current)
            current = ""
        current += line
    if current:
        chunks.append(current)
    return [c.rstrip("\n") for c in chunks if c.strip()]
