"""HybridRetriever: BM25 + dense over passages, aggregated to documents, fused, scored.

Documents are guides in the product and GovQA answers in the benchmark; the retriever only
knows passages with a `doc_id`. Every ranked document carries a calibrated confidence
(`confidence = w·best cosine + (1-w)·idf coverage`, the cosine alone for questions without a
Chinese character, down-weighted for other cities) that the
not-found threshold applies to, whatever the ranking mode.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from search.dense import DenseIndex
from search.encoders import Encoder
from search.fusion import ranked, reciprocal_rank_fusion, score_fusion
from search.lexical import LexicalIndex
from search.passages import Passage
from search.query import PreparedQuery, QueryProcessor

MODES = ("bm25", "dense", "hybrid")
DENSE_QUERIES = ("stripped", "full", "light")


@dataclass(frozen=True)
class RetrievalConfig:
    """Tunable knobs (defaults chosen on the eval dev split; see docs/benchmarks/search.md)."""

    candidates: int = 100  # passages taken from each retriever
    fusion: str = "score"  # rrf | score | confidence (rank by the calibrated confidence)
    rrf_k: int = 60
    bm25_weight: float = 1.0
    dense_weight: float = 1.0  # chosen on the pooled dev questions (old dev + fresh_dev)
    confidence_dense_weight: float = 0.7
    foreign_region_penalty: float = 0.5
    threshold: float = 0.43  # calibrated on the pooled dev questions with their OOD sets
    ambiguity_margin: float = 0.02
    whole_weight: float = 1.0  # BM25 over whole documents, when the retriever has them
    # what the encoder embeds of a question: stripped (normalised, stop words removed) | full
    # (normalised) | light (punctuation and case kept; for transformer encoders such as E5)
    dense_query: str = "stripped"


@dataclass(frozen=True)
class RankedDoc:
    """One document of a ranking with its confidence and best passage."""

    doc_id: str
    confidence: float
    fused: float
    passage: int  # index of the best-matching passage


@dataclass(frozen=True)
class WholeDocuments:
    """BM25 over whole documents (their own term statistics), fused beside the passages.

    For long documents split into passages (GovQA answers): the passage maximum alone loses
    what the whole answer says, and mixing both in one index blurs the statistics of each.
    """

    ids: list[str]
    lexical: LexicalIndex


@dataclass
class _Evidence:
    bm25: dict[str, float] = field(default_factory=dict)
    whole: dict[str, float] = field(default_factory=dict)
    dense: dict[str, float] = field(default_factory=dict)
    passages: dict[str, dict[int, float]] = field(default_factory=dict)


class HybridRetriever:
    """Search passages with either retriever or both; thread-safe (read-only state)."""

    def __init__(
        self,
        processor: QueryProcessor,
        encoder: Encoder,
        passages: Sequence[Passage],
        lexical: LexicalIndex,
        dense: DenseIndex,
        config: RetrievalConfig | None = None,
        whole: WholeDocuments | None = None,
    ) -> None:
        self.processor = processor
        self.encoder = encoder
        self.passages = list(passages)
        self.lexical = lexical
        self.dense = dense
        self.config = config or RetrievalConfig()
        self.whole = whole
        if self.config.dense_query not in DENSE_QUERIES:
            raise ValueError(f"dense_query must be one of {DENSE_QUERIES}")

    def rank(self, query: PreparedQuery, mode: str = "hybrid", limit: int = 10) -> list[RankedDoc]:
        """Documents for a prepared question, best first (no threshold applied)."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        if query.content_free:
            return []
        ev = _Evidence()
        if mode in ("bm25", "hybrid"):
            self._collect_bm25(query, ev)
            self._collect_whole(query, ev)
        self._collect_dense(query, ev)  # always: the cosine is half of the confidence
        fused = self._fuse(ev, mode)
        if mode == "hybrid" and self.config.fusion == "confidence":
            docs = [self._ranked_doc(doc, fused[doc], ev, query) for doc in fused]
            docs.sort(key=lambda d: (-d.confidence, -d.fused, d.doc_id))
            return docs[:limit]
        return [self._ranked_doc(doc, fused[doc], ev, query) for doc in ranked(fused)[:limit]]

    def _collect_bm25(self, query: PreparedQuery, ev: _Evidence) -> None:
        scores = self.lexical.scores(query.tokens)
        n = min(self.config.candidates, len(scores))
        if n == 0:
            return
        top = np.argpartition(-scores, n - 1)[:n]
        top = top[np.argsort(-scores[top])]
        best = float(scores[top[0]]) if len(top) else 0.0
        for i in top:
            score = float(scores[i])
            if score <= 0:
                break
            self._note(ev.bm25, ev, int(i), score, 0.5 * score / best if best else 0.0)

    def _collect_whole(self, query: PreparedQuery, ev: _Evidence) -> None:
        if self.whole is None:
            return
        scores = self.whole.lexical.scores(query.tokens)
        n = min(self.config.candidates, len(scores))
        if n == 0:
            return
        for i in np.argpartition(-scores, n - 1)[:n]:
            if scores[i] > 0:
                ev.whole[self.whole.ids[int(i)]] = float(scores[i])

    def _collect_dense(self, query: PreparedQuery, ev: _Evidence) -> None:
        text = {"full": query.text, "light": query.light_text}.get(
            self.config.dense_query, query.dense_text
        )
        vector = self.encoder.encode_queries([text or query.text])[0]
        ids, scores = self.dense.search(vector, self.config.candidates)
        for i, score in zip(ids.tolist(), scores.tolist(), strict=True):
            self._note(ev.dense, ev, i, score, 0.5 * score)

    def _note(
        self, table: dict[str, float], ev: _Evidence, i: int, score: float, part: float
    ) -> None:
        doc = self.passages[i].doc_id
        if score > table.get(doc, float("-inf")):
            table[doc] = score
        # a passage's evidence adds up over both retrievers to pick the doc's best passage
        own = ev.passages.setdefault(doc, {})
        own[i] = own.get(i, 0.0) + part

    def _fuse(self, ev: _Evidence, mode: str) -> dict[str, float]:
        cfg = self.config
        if mode == "bm25":
            if self.whole is None:
                return dict(ev.bm25)
            return score_fusion([ev.bm25, ev.whole], [cfg.bm25_weight, cfg.whole_weight])
        if mode == "dense":
            return dict(ev.dense)
        if cfg.fusion in ("score", "confidence"):
            maps, weights = [ev.bm25, ev.dense], [cfg.bm25_weight, cfg.dense_weight]
            if self.whole is not None:
                maps.append(ev.whole)
                weights.append(cfg.whole_weight)
            return score_fusion(maps, weights)
        rankings, weights = [ranked(ev.bm25), ranked(ev.dense)], [cfg.bm25_weight, cfg.dense_weight]
        if self.whole is not None:
            rankings.append(ranked(ev.whole))
            weights.append(cfg.whole_weight)
        return reciprocal_rank_fusion(rankings, weights, cfg.rrf_k)

    def _ranked_doc(self, doc: str, fused: float, ev: _Evidence, query: PreparedQuery) -> RankedDoc:
        cfg = self.config
        cosine = max(ev.dense.get(doc, 0.0), 0.0)
        if query.has_han:
            coverage = self.lexical.coverage(doc, query.token_groups)
            confidence = (
                cfg.confidence_dense_weight * cosine + (1 - cfg.confidence_dense_weight) * coverage
            )
        else:  # e.g. English: no Chinese word can be covered, so the cosine is all the evidence
            confidence = cosine
        if query.foreign_region:
            confidence *= cfg.foreign_region_penalty
        own = ev.passages.get(doc, {})
        passage = max(own, key=lambda i: (own[i], -i)) if own else 0
        return RankedDoc(doc, round(confidence, 4), fused, passage)
