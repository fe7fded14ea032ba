"""Field-level passages of a guide: what gets indexed, with the guide id and the aspect.

Every passage text starts with the guide title so that a FAQ such as 可以让别人代办吗？ is
still about its guide; `snippet` is what a hit shows.
"""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.schema import ServiceGuide

SNIPPET_CHARS = 120


@dataclass(frozen=True)
class Passage:
    """One indexed unit: `doc_id` is the guide id (or any document id in benchmarks)."""

    doc_id: str
    aspect: str
    text: str
    snippet: str


def _clip(text: str, limit: int = SNIPPET_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _passage(guide: ServiceGuide, aspect: str, body: str, snippet: str | None = None) -> Passage:
    return Passage(guide.id, aspect, f"{guide.title}：{body}", _clip(snippet or body))


def guide_passages(guide: ServiceGuide) -> list[Passage]:
    """All passages of one guide, in a stable order."""
    names = "、".join([guide.title, *guide.aliases])
    out = [
        _passage(guide, "overview", names, guide.summary),
        _passage(guide, "overview", guide.summary),
    ]
    if guide.conditions:
        out.append(_passage(guide, "conditions", "办理条件：" + "；".join(guide.conditions)))
    if guide.materials:
        items = "；".join(
            m.name + (f"（{m.condition}）" if m.condition else "") for m in guide.materials
        )
        out.append(_passage(guide, "materials", "申请材料：" + items))
    if guide.steps:
        out.append(_passage(guide, "steps", "办理流程：" + "；".join(guide.steps)))
    tl = guide.time_limit
    days = "即办" if tl.promised_days == 0 else f"承诺{tl.promised_days}个工作日"
    out.append(
        _passage(guide, "time_limit", f"办理时限：{days}" + (f"，{tl.note}" if tl.note else ""))
    )
    out.append(
        _passage(
            guide,
            "fees",
            "收费标准：" + ("免费；" if guide.fees.free else "") + guide.fees.description,
        )
    )
    if guide.locations:
        where = "；".join(f"{loc.name}，{loc.address}，{loc.hours}" for loc in guide.locations)
        out.append(_passage(guide, "locations", "办理地点和时间：" + where))
    out.append(_passage(guide, "online", "网上办理：" + guide.online.description))
    out.append(_passage(guide, "phone", "咨询电话：" + guide.phone))
    if guide.legal_basis:
        out.append(_passage(guide, "legal_basis", "办理依据：" + "；".join(guide.legal_basis)))
    out.extend(
        _passage(guide, "faq", f"{faq.question} {faq.answer}", f"{faq.question} {faq.answer}")
        for faq in guide.faqs
    )
    return out


def kb_passages(guides: tuple[ServiceGuide, ...] | list[ServiceGuide]) -> list[Passage]:
    """Passages of every guide, in KB order."""
    return [p for guide in guides for p in guide_passages(guide)]
