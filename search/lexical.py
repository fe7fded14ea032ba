"""LexicalIndex: BM25 (bm25s, Lucene variant) over jieba tokens, plus idf-weighted coverage.

Coverage (share of the question's idf mass that a document contains) is the lexical half of the
calibrated confidence: BM25 scores are not comparable across questions, coverage is.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np


class LexicalIndex:
    """BM25 over pre-tokenised passages; `doc_of[i]` maps passage i to its document."""

    def __init__(self, passage_tokens: Sequence[Sequence[str]], doc_of: Sequence[str]) -> None:
        import bm25s

        self._bm25 = bm25s.BM25(method="lucene", k1=1.2, b=0.75)
        corpus = [list(toks) or [""] for toks in passage_tokens]
        self._bm25.index(corpus, show_progress=False)
        n = len(corpus)
        df = Counter(tok for toks in passage_tokens for tok in set(toks))
        self._idf = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}
        self.max_idf = math.log(1 + (n + 0.5) / 0.5)
        doc_tokens: dict[str, set[str]] = {}
        for doc, toks in zip(doc_of, passage_tokens, strict=True):
            doc_tokens.setdefault(doc, set()).update(toks)
        self._doc_tokens = doc_tokens
        self.size = n

    def idf(self, token: str) -> float:
        """Inverse document frequency; unknown tokens get the maximum."""
        return self._idf.get(token, self.max_idf)

    def scores(self, tokens: Sequence[str]) -> np.ndarray:
        """BM25 score of every passage (zeros when no token is known)."""
        known = [t for t in tokens if t in self._idf]
        if not known:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(known), dtype=np.float32)

    def coverage(self, doc_id: str, token_groups: Sequence[frozenset[str]]) -> float:
        """Share of the question's idf mass found in the document (a group counts if any
        of its alternatives occurs)."""
        vocab = self._doc_tokens.get(doc_id, set())
        total = covered = 0.0
        for group in token_groups:
            weight = max(self.idf(t) for t in group)
            total += weight
            if not vocab.isdisjoint(group):
                covered += weight
        return covered / total if total else 0.0
