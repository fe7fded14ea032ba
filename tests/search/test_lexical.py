import pytest

from search.lexical import LexicalIndex

DOCS = {
    "d1": [["居住证", "申领", "材料"], ["居住证", "有效期"]],
    "d2": [["护照", "申领"], ["护照", "收费"]],
    "d3": [["公积金", "提取", "租房"]],
}


def make() -> LexicalIndex:
    tokens, owners = [], []
    for doc, passages in DOCS.items():
        for toks in passages:
            tokens.append(toks)
            owners.append(doc)
    return LexicalIndex(tokens, owners)


def test_bm25_ranks_the_matching_passage_first() -> None:
    index = make()
    scores = index.scores(["护照", "收费"])
    assert int(scores.argmax()) == 3
    assert index.scores(["未知词"]).max() == 0


def test_coverage_is_share_of_idf_mass() -> None:
    index = make()
    groups = [frozenset({"公积金"}), frozenset({"租房"})]
    assert index.coverage("d3", groups) == pytest.approx(1.0)
    assert index.coverage("d1", groups) == 0.0
    partial = index.coverage("d3", [frozenset({"公积金"}), frozenset({"天气"})])
    assert 0 < partial < 0.5  # the unknown word weighs the most
    assert index.coverage("d1", []) == 0.0
