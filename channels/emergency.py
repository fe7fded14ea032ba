"""Danger to life or property is answered at once with the emergency number, before all else."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import opencc


@dataclass(frozen=True)
class EmergencyRule:
    """A family of emergencies: the words that reveal it and what to tell the citizen."""

    number: str
    service: str
    pattern: re.Pattern[str]


_RULES = (
    EmergencyRule(
        "119",
        "消防救援",
        re.compile(
            r"(着火|失火|起火|火灾|火警|烧起来|冒烟.{0,4}(火|烧)|煤气泄漏|燃气泄漏|天然气泄漏|爆炸|有人被困|被困(在|电梯)|困在电梯|溺水|落水)"
        ),
    ),
    EmergencyRule(
        "120",
        "医疗急救",
        re.compile(
            r"(晕倒|昏倒|昏迷|休克|心脏病发|心梗|中风|不省人事|没有?呼吸|没气了|大出血|流了?很多血|抽搐|急救|快不行了|服毒|喝了?农药|割腕|想自杀|要自杀)"
        ),
    ),
    EmergencyRule(
        "110",
        "公安报警",
        re.compile(
            r"(抢劫|打劫|持刀|有人拿刀|砍人|杀人|绑架|拐卖|抢孩子|入室盗窃|小偷正在|正在偷|家暴|被打了?(很重|出血)|有人打架.{0,4}(流血|受伤)|强奸|非礼)"
        ),
    ),
)


@dataclass(frozen=True)
class EmergencyNotice:
    """What to reply to a message that reports an emergency."""

    number: str
    service: str

    @property
    def text(self) -> str:
        return (
            f"情况紧急！请立即拨打 {self.number}（{self.service}）。"
            "请保持电话畅通，说清楚地址和现场情况；如有危险请先撤离到安全地带。"
            "本助手无法派出救援，请务必直接拨打电话。"
        )


def detect_emergency(text: str) -> EmergencyNotice | None:
    """The emergency a message reports, if any (first matching rule wins)."""
    compact = _to_simplified(re.sub(r"\s+", "", text))
    for rule in _RULES:
        if rule.pattern.search(compact):
            return EmergencyNotice(rule.number, rule.service)
    return None


@cache
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def _to_simplified(text: str) -> str:
    return str(_converter().convert(text))
