"""HybridRetriever with whole-document BM25 beside the passages (as GovQA uses it)."""

from dataclasses import replace
from typing import Any

import pytest

from search.dense import DenseIndex
from search.encoders import BundledUseEncoder
from search.lexical import LexicalIndex
from search.passages import Passage
from search.query import QueryProcessor
from search.retriever import HybridRetriever, RetrievalConfig, WholeDocuments

# doc "split" says 护照 and 加急 in two different passages; doc "one" has both words in one
# passage but is mostly about something else, so the passages alone prefer "one".
DOCS = {
    "split": ["护照办理需要身份证和照片，到出入境窗口申请。", "加急服务另行收费，五日内取证。"],
    "one": ["护照加急。", "居住证申领需要租房合同、身份证和照片。", "社保卡补办到银行网点。"],
    "other": ["驾驶证换证需要体检证明和身份证。"],
}


@pytest.fixture(scope="module")
def parts(encoder: BundledUseEncoder) -> tuple[Any, ...]:
    proc = QueryProcessor([], ["护照", "加急"], ["怎么", "吗"])
    passages = [Passage(doc, "answer", text, text) for doc, texts in DOCS.items() for text in texts]
    tokens = [proc.passage_tokens(p.text) for p in passages]
    lexical = LexicalIndex(tokens, [p.doc_id for p in passages])
    dense = DenseIndex.build(encoder.encode([p.text for p in passages]), "flat")
    whole_tokens = [proc.passage_tokens("".join(texts)) for texts in DOCS.values()]
    whole = WholeDocuments(list(DOCS), LexicalIndex(whole_tokens, list(DOCS)))
    return proc, passages, lexical, dense, whole


def test_whole_document_bm25_is_fused_beside_the_passages(
    encoder: BundledUseEncoder, parts: tuple[Any, ...]
) -> None:
    proc, passages, lexical, dense, whole = parts
    query = proc.prepare("护照加急怎么收费")
    config = RetrievalConfig(bm25_weight=0.5, whole_weight=1.0)
    passages_only = HybridRetriever(proc, encoder, passages, lexical, dense, config)
    with_whole = HybridRetriever(proc, encoder, passages, lexical, dense, config, whole)
    assert passages_only.rank(query, "bm25")[0].doc_id == "one"
    ranked = with_whole.rank(query, "bm25")
    assert ranked[0].doc_id == "split"
    # the best passage of a document still comes from the passage index
    assert passages[ranked[0].passage].doc_id == "split"
    assert with_whole.rank(query, "hybrid")[0].doc_id in DOCS


def test_dense_query_option_is_validated(
    encoder: BundledUseEncoder, parts: tuple[Any, ...]
) -> None:
    proc, passages, lexical, dense, _ = parts
    with pytest.raises(ValueError):
        HybridRetriever(
            proc, encoder, passages, lexical, dense, replace(RetrievalConfig(), dense_query="x")
        )
