import threading

import pytest

from search.exceptions import InvalidQuery
from search.service import SearchService


@pytest.mark.parametrize(
    ("question", "title"),
    [
        ("居著证怎么申请", "居住证申领"),  # ASR homophone
        ("我的社保咔丢了", "社会保障卡挂失补换"),
        ("駕照到期了怎麼換", "机动车驾驶证期满换证"),  # traditional characters
        ("单位让开良民证", "无犯罪记录证明开具"),  # synonym
        ("你好，请问，我想问一下护照怎么办，谢谢", "普通护照申领"),  # filler words
    ],
)
def test_finds_the_right_guide(service: SearchService, question: str, title: str) -> None:
    result = service.search(question)
    assert not result.not_found
    assert result.hits[0].title == title
    hit = result.hits[0]
    assert hit.guide_id and hit.department and hit.snippet and 0 < hit.score <= 1


@pytest.mark.parametrize("question", ["今天天气怎么样", "给我讲个笑话", "红烧肉怎么做"])
def test_out_of_domain_is_not_found(service: SearchService, question: str) -> None:
    result = service.search(question)
    assert result.not_found
    assert result.hits == []


def test_greetings_do_not_drive_retrieval(service: SearchService) -> None:
    for text in ["你好，谢谢！", "请问一下，怎么办啊", "我想问一下"]:
        result = service.search(text)
        assert result.not_found and result.hits == []
    with_filler = service.search("您好，请问一下，社保卡怎么办理，谢谢您")
    assert with_filler.hits[0].title == service.search("社保卡办理").hits[0].title


def test_top_k_and_scores_are_ordered(service: SearchService) -> None:
    result = service.search("身份证", top_k=3)
    assert 1 <= len(result.hits) <= 3
    titles = [h.title for h in result.hits]
    assert len(set(titles)) == len(titles)  # aggregated to guides


def test_ambiguous_when_two_guides_are_close(service: SearchService) -> None:
    result = service.search("社保卡")
    titles = {h.title for h in result.hits[:2]}
    if result.ambiguous:
        assert len(result.hits) >= 2
    assert titles & {"社会保障卡申领", "社会保障卡挂失补换"}


@pytest.mark.parametrize(
    "bad",
    ["", "   \n\t ", "\x00\x01\x02", "😀😀😀", "？？？！！！"],
)
def test_unsearchable_input_is_an_empty_result(service: SearchService, bad: str) -> None:
    assert not service.is_searchable(bad)
    result = service.search(bad)
    assert result.not_found and result.hits == []


def test_non_text_is_a_clear_error(service: SearchService) -> None:
    with pytest.raises(InvalidQuery):
        service.search(b"\xff\xfe")  # type: ignore[arg-type]


def test_huge_and_binary_input_does_not_crash(service: SearchService) -> None:
    huge = "居住证怎么办理" * 15_000  # ~100 KB
    assert service.search(huge).hits[0].title == "居住证申领"
    binary = bytes(range(256)).decode("latin-1") + "居住证"
    assert isinstance(service.search(binary).not_found, bool)


def test_concurrent_queries_agree(service: SearchService) -> None:
    questions = ["居住证怎么办", "护照多少钱", "驾照丢了", "公积金租房提取"] * 5
    expected = {q: service.search(q).hits[0].guide_id for q in set(questions)}
    seen: list[tuple[str, str]] = []

    def run(q: str) -> None:
        seen.append((q, service.search(q).hits[0].guide_id))

    threads = [threading.Thread(target=run, args=(q,)) for q in questions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == len(questions)
    assert all(expected[q] == gid for q, gid in seen)


@pytest.mark.parametrize(
    ("question", "title"),
    [
        ("How do I get my housing fund money back when I rent a flat?", "租房提取住房公积金"),
        ("My wallet with my ID card was stolen, what should I do?", "居民身份证挂失补领"),
    ],
)
def test_english_question_is_judged_on_meaning_not_on_chinese_words(
    service: SearchService, question: str, title: str
) -> None:
    # no Chinese word of an English question can occur in the guides: coverage must not count
    result = service.search(question)
    assert not result.not_found
    assert result.hits[0].title == title


@pytest.mark.parametrize(
    "question", ["Will it rain tomorrow?", "Please recommend a good restaurant nearby"]
)
def test_english_out_of_domain_is_not_found(service: SearchService, question: str) -> None:
    assert service.search(question).not_found
