"""Which aspect of a guide a question asks about, and that aspect as ready-to-show text."""

from __future__ import annotations

import re
from collections.abc import Callable

from knowledge.schema import ServiceGuide

# Checked in order: the first pattern that matches wins.
_PATTERNS: tuple[tuple[str, str], ...] = (
    (
        "materials",
        r"材料|带什么|带啥|带哪些|要带|准备什么|准备啥|准备哪些|提交什么|需要什么证明|要什么证明|资料",
    ),
    ("fees", r"收费|多少钱|费用|要钱|花钱|免费|工本费|交钱|付费|贵不贵"),
    (
        "time_limit",
        r"多久|多长时间|几天|多少天|时限|几个工作日|多快|要等|什么时候能(拿|领|办好|下来)|啥时候能",
    ),
    ("online", r"网上|线上|在线|手机上|手机能|app|小程序|网办|不用跑|不出门|公众号|互联网"),
    (
        "locations",
        r"在哪|哪里办|哪儿办|去哪|哪个窗口|地址|地点|几点|上班时间|办公时间|营业时间|周末|星期六|周六|窗口",
    ),
    ("phone", r"电话|热线|号码是多少|联系方式|咨询号码"),
    ("conditions", r"条件|资格|符合|够不够|能不能办|能办吗|可以办吗|有资格|谁可以|哪些人"),
    ("steps", r"流程|步骤|程序|怎么申请|如何申请|怎么办理|如何办理|手续"),
    ("legal_basis", r"依据|法律|法规|政策文件|哪条规定"),
)
_COMPILED = tuple((name, re.compile(pattern, re.IGNORECASE)) for name, pattern in _PATTERNS)


def detect_aspect(text: str) -> str | None:
    """materials|time_limit|fees|locations|online|conditions|steps|phone|legal_basis, or None."""
    for name, pattern in _COMPILED:
        if pattern.search(text or ""):
            return name
    return None


def has_aspect(guide: ServiceGuide, aspect: str) -> bool:
    """Whether the guide has content for this aspect."""
    empty = {
        "conditions": not guide.conditions,
        "materials": not guide.materials,
        "steps": not guide.steps,
        "locations": not guide.locations,
        "legal_basis": not guide.legal_basis,
        "faq": not guide.faqs,
    }
    return not empty.get(aspect, False)


def _materials(g: ServiceGuide) -> str:
    lines = []
    for i, m in enumerate(g.materials, 1):
        extra = [f"{m.form.value}{m.count}份"]
        if m.condition:
            extra.append(f"{m.condition}需提供")
        elif not m.required:
            extra.append("选交")
        if m.notes:
            extra.append(m.notes)
        lines.append(f"{i}. {m.name}（{'，'.join(extra)}）")
    return f"办理“{g.title}”需要准备的材料：\n" + "\n".join(lines)


def _time_limit(g: ServiceGuide) -> str:
    tl = g.time_limit
    text = (
        "当场办结（即办件）" if tl.promised_days == 0 else f"承诺{tl.promised_days}个工作日内办结"
    )
    if tl.legal_days is not None and tl.legal_days != tl.promised_days:
        text += f"（法定时限{tl.legal_days}个工作日）"
    return f"“{g.title}”办理时限：{text}。" + (tl.note or "")


def _fees(g: ServiceGuide) -> str:
    return f"“{g.title}”收费标准：{'不收费。' if g.fees.free else ''}{g.fees.description}"


def _locations(g: ServiceGuide) -> str:
    if not g.locations:
        return f"“{g.title}”暂无固定办理地点，请咨询{g.phone}。"
    lines = [f"· {loc.name}：{loc.address}；办公时间 {loc.hours}" for loc in g.locations]
    return f"“{g.title}”办理地点和时间：\n" + "\n".join(lines)


def _online(g: ServiceGuide) -> str:
    status = "可以网上办理。" if g.online.available else "暂不支持全程网上办理。"
    link = f"\n办理入口：{g.online.url}" if g.online.available and g.online.url else ""
    return f"“{g.title}”{status}{g.online.description}{link}"


def _numbered(title: str, items: list[str]) -> str:
    return title + "\n" + "\n".join(f"{i}. {item}" for i, item in enumerate(items, 1))


def _overview(g: ServiceGuide) -> str:
    return f"【{g.title}】（{g.department}）\n{g.summary}\n咨询电话：{g.phone}"


def _faq(g: ServiceGuide) -> str:
    return f"“{g.title}”常见问题：\n" + "\n".join(
        f"问：{f.question}\n答：{f.answer}" for f in g.faqs
    )


def format_aspect(guide: ServiceGuide, aspect: str | None) -> str:
    """Chinese text of one aspect of a guide; unknown/empty aspects give the overview."""
    if aspect is None or not has_aspect(guide, aspect):
        return _overview(guide)
    builders = {
        "materials": _materials,
        "time_limit": _time_limit,
        "fees": _fees,
        "locations": _locations,
        "online": _online,
        "overview": _overview,
        "faq": _faq,
        "phone": lambda g: f"“{g.title}”咨询电话：{g.phone}",
        "conditions": lambda g: _numbered(f"办理“{g.title}”需要符合以下条件：", list(g.conditions)),
        "steps": lambda g: _numbered(f"“{g.title}”办理流程：", list(g.steps)),
        "legal_basis": lambda g: _numbered(f"“{g.title}”办理依据：", list(g.legal_basis)),
    }
    builder: Callable[[ServiceGuide], str] = builders.get(aspect or "", _overview)
    return builder(guide)
