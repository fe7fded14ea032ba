"""DenseIndex: inner-product FAISS index over normalised vectors, exact or HNSW.

Exact `IndexFlatIP` up to `HNSW_FROM` vectors, HNSW above (the crossover was measured with
`python -m search.benchmark`; see docs/benchmarks/search.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

HNSW_FROM = 20_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128


def choose_kind(n_vectors: int) -> str:
    """`flat` for small collections, `hnsw` for large ones."""
    return "hnsw" if n_vectors >= HNSW_FROM else "flat"


class DenseIndex:
    """Top-k inner-product search; ids are passage positions."""

    def __init__(self, index: Any, kind: str) -> None:
        import faiss

        self._set_threads = faiss.omp_set_num_threads
        self._get_threads = faiss.omp_get_max_threads
        self._index: Any = index
        self.kind = kind
        if kind == "hnsw":
            index.hnsw.efSearch = HNSW_EF_SEARCH

    @classmethod
    def build(cls, vectors: np.ndarray, kind: str | None = None) -> DenseIndex:
        """Index `vectors` (n, dim), L2-normalised float32."""
        import faiss

        kind = kind or choose_kind(len(vectors))
        dim = vectors.shape[1]
        index: Any
        if kind == "hnsw":
            index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        elif kind == "flat":
            index = faiss.IndexFlatIP(dim)
        else:
            raise ValueError(f"unknown dense index kind {kind!r}")
        if len(vectors):
            index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        return cls(index, kind)

    @classmethod
    def load(cls, path: Path, kind: str) -> DenseIndex:
        """Read an index written by `save`."""
        import faiss

        return cls(faiss.read_index(str(path)), kind)

    def save(self, path: Path) -> None:
        """Write the index to one file."""
        import faiss

        faiss.write_index(self._index, str(path))

    @property
    def size(self) -> int:
        return int(self._index.ntotal)

    def vectors(self) -> np.ndarray:
        """All stored vectors, in id order (flat and HNSW-flat keep them uncompressed)."""
        if not self.size:
            return np.zeros((0, int(self._index.d)), dtype=np.float32)
        return np.asarray(self._index.reconstruct_n(0, self.size), dtype=np.float32)

    def search(self, vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(ids, scores) of the k nearest passages, best first; missing slots dropped."""
        k = min(k, self.size)
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        # One query vector: OpenMP inside a query costs far more than it gains on a small shared
        # machine (10k passages: 0.75 ms single-threaded vs 15.7 ms with 2 threads under load).
        # The OpenMP thread count is per calling thread, so builds elsewhere keep theirs.
        previous = self._get_threads()
        self._set_threads(1)
        try:
            scores, ids = self._index.search(vector.reshape(1, -1).astype(np.float32), k)
        finally:
            self._set_threads(previous)
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]
