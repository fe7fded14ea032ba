"""Pull a location and a contact number out of transcribed caller speech (for ticket drafts)."""

from __future__ import annotations

import re

_PHONE = re.compile(r"(?<!\d)(1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}|0\d{2,3}-?\d{7,8})(?!\d)")
_PLACE = re.compile(
    r"([\u4e00-\u9fa5A-Za-z0-9]{1,16}?(?:区|县)?[\u4e00-\u9fa5A-Za-z0-9]{0,12}?"
    r"(?:路口|交叉口|路|街|大道|巷|弄|小区|花园|苑|村|社区|广场|公园|市场|中学|小学|幼儿园|大学|学校|医院|车站|地铁站|"
    r"公交站|桥|大厦|商场|超市|工地|号楼|栋|号)"
    r"(?:[0-9一二三四五六七八九十]+(?:号|栋|单元|号楼))?(?:附近|门口|旁边|对面|东侧|西侧|南侧|北侧)?)"
)
_CROSSING = re.compile(
    r"([\u4e00-\u9fa5]{1,8}(?:路|街|大道))(?:和|与|跟|、)([\u4e00-\u9fa5]{1,8}(?:路|街|大道))(交叉口|路口)?"
)
_LEADING_NOISE = re.compile(
    r"^(?:我(?:们)?(?:家|住)?在|在|我家|我们那|就是|就在|位于|那个|这个|是|的)+"
)


def extract_phone(text: str) -> str | None:
    """The first phone number said, digits only."""
    match = _PHONE.search(text)
    return re.sub(r"[\s-]", "", match.group(1)) if match else None


def extract_location(text: str) -> str | None:
    """The most specific place phrase (longest match), without leading filler words."""
    crossing = _CROSSING.search(text)
    if crossing:
        return (
            _LEADING_NOISE.sub("", crossing.group(1))
            + "与"
            + crossing.group(2)
            + (crossing.group(3) or "交叉口")
        )
    candidates = [_LEADING_NOISE.sub("", m.group(1)) for m in _PLACE.finditer(text)]
    candidates = [c for c in candidates if len(c) >= 3]
    return max(candidates, key=len) if candidates else None


def summarize(utterances: list[str], limit: int = 200) -> str:
    """The caller's words joined into a one-paragraph summary for the ticket."""
    text = "，".join(u.strip("，。 ") for u in utterances if u.strip())
    return text[:limit] + ("…" if len(text) > limit else "")
