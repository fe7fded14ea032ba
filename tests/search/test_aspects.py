import pytest

from search.aspects import detect_aspect, format_aspect
from search.service import SearchService


@pytest.mark.parametrize(
    ("text", "aspect"),
    [
        ("要带什么材料", "materials"),
        ("那要带什么材料？", "materials"),
        ("要多久", "time_limit"),
        ("几天能拿到", "time_limit"),
        ("收费吗", "fees"),
        ("办这个要多少钱", "fees"),
        ("在哪办", "locations"),
        ("几点上班", "locations"),
        ("能网上办吗", "online"),
        ("手机上可以申请吗", "online"),
        ("需要什么条件", "conditions"),
        ("办理流程是什么", "steps"),
        ("咨询电话多少", "phone"),
        ("居住证", None),
        ("", None),
    ],
)
def test_detect_aspect(text: str, aspect: str | None) -> None:
    assert detect_aspect(text) == aspect


def test_answer_formats_each_aspect(service: SearchService) -> None:
    guide = service.kb.guide_by_title("居住证申领")
    assert guide is not None
    materials = service.answer(guide.id, "materials")
    assert "居民身份证" in materials and "材料" in materials
    assert "工作日" in service.answer(guide.id, "time_limit")
    assert "20元" in service.answer(guide.id, "fees") or "免费" in service.answer(guide.id, "fees")
    assert "中山路" in service.answer(guide.id, "locations")
    assert "https://" in service.answer(guide.id, "online")
    assert guide.summary in service.answer(guide.id, None)
    assert guide.summary in service.answer(guide.id, "no-such-aspect")


def test_format_aspect_every_guide_every_aspect(service: SearchService) -> None:
    from search.schemas import ASPECTS

    for guide in service.kb.guides:
        for aspect in ASPECTS:
            text = format_aspect(guide, aspect)
            assert guide.title in text and text.strip()


def test_search_hit_carries_the_asked_aspect(service: SearchService) -> None:
    result = service.search("办居住证要带什么材料")
    assert result.aspect == "materials"
    assert result.hits[0].title == "居住证申领"
    assert result.hits[0].aspect == "materials"
    assert "身份证" in result.hits[0].snippet
