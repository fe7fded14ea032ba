"""On-disk index: `<index_dir>/manifest.json` points at one build directory.

A build writes `builds/<stamp>/{passages.jsonl,dense.faiss,embedding_keys.txt}` first and then
replaces `manifest.json` atomically (os.replace), so a reader sees the old or the new index, never
half. `embedding_keys.txt` holds a hash of each encoded text, row by row with the FAISS vectors, so
the next build with the same encoder re-encodes only texts that changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict

from search.dense import DenseIndex
from search.encoders import Encoder, encode_bulk
from search.exceptions import IndexMismatch, IndexNotReady
from search.lexical import LexicalIndex
from search.passages import Passage

FORMAT_VERSION = 3
MANIFEST = "manifest.json"
KEEP_BUILDS = 2
KEYS_FILE = "embedding_keys.txt"


class IndexManifest(BaseModel):
    """What an index was built from; compared with the KB and settings before use."""

    model_config = ConfigDict(frozen=True)

    format: int = FORMAT_VERSION
    kb_hash: str
    encoder: str
    dim: int
    index_type: str
    passages: int
    documents: int
    built_at: str
    build_seconds: float
    build_dir: str
    encoded: int | None = None  # texts embedded by this build (the rest came from the last one)


def read_manifest(index_dir: Path) -> IndexManifest | None:
    """The manifest, or None when missing or unreadable."""
    try:
        return IndexManifest.model_validate_json((index_dir / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return None


def staleness(manifest: IndexManifest | None, kb_hash: str, encoder: str) -> str | None:
    """Why an index must be rebuilt, or None when it is current."""
    if manifest is None:
        return "no index"
    if manifest.format != FORMAT_VERSION:
        return f"index format {manifest.format} != {FORMAT_VERSION}"
    if manifest.kb_hash != kb_hash:
        return "knowledge base changed"
    if manifest.encoder != encoder:
        return f"encoder changed ({manifest.encoder} -> {encoder})"
    return None


def text_key(text: str) -> str:
    """Stable key of an encoded text (for reusing its vector in the next build)."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()


def previous_vectors(index_dir: Path, encoder: Encoder) -> tuple[dict[str, int], np.ndarray]:
    """(text key → row, vectors) of the current build when it was made by this encoder."""
    empty: tuple[dict[str, int], np.ndarray] = ({}, np.zeros((0, encoder.dim), np.float32))
    manifest = read_manifest(index_dir)
    if manifest is None or manifest.encoder != encoder.id or manifest.dim != encoder.dim:
        return empty
    build = index_dir / manifest.build_dir
    try:
        keys = (build / KEYS_FILE).read_text("utf-8").split()
        dense = DenseIndex.load(build / "dense.faiss", manifest.index_type)
    except (OSError, RuntimeError):  # older build without keys, or unreadable files
        return empty
    if len(keys) != dense.size:
        return empty
    return {k: i for i, k in enumerate(keys)}, dense.vectors()


def encode_all(
    encoder: Encoder,
    texts: Sequence[str],
    progress: Callable[[int], None],
    previous: tuple[dict[str, int], np.ndarray] | None = None,
    workers: int | None = None,
) -> tuple[np.ndarray, int]:
    """(vectors, number encoded): texts found in `previous` reuse its vectors, the rest are
    embedded (in parallel worker processes for large builds)."""
    rows, old = previous or ({}, np.zeros((0, encoder.dim), np.float32))
    keys = [text_key(t) for t in texts]
    todo = [i for i, k in enumerate(keys) if k not in rows]
    vectors = np.empty((len(texts), encoder.dim), dtype=np.float32)
    reused = [i for i, k in enumerate(keys) if k in rows]
    if reused:
        vectors[reused] = old[[rows[keys[i]] for i in reused]]
        progress(len(reused))
    if todo:
        vectors[todo] = encode_bulk(encoder, [texts[i] for i in todo], progress, workers)
    return vectors, len(todo)


def write_index(
    index_dir: Path,
    passages: Sequence[Passage],
    tokens: Sequence[Sequence[str]],
    vectors: np.ndarray,
    kb_hash: str,
    encoder: Encoder,
    build_seconds: float,
    keys: Sequence[str] | None = None,
    encoded: int | None = None,
) -> IndexManifest:
    """Write a new build and switch the manifest to it; `keys` (text_key per vector row) let
    the next build reuse the vectors."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    build = index_dir / "builds" / stamp
    build.mkdir(parents=True, exist_ok=True)
    with (build / "passages.jsonl").open("w", encoding="utf-8") as fh:
        for passage, toks in zip(passages, tokens, strict=True):
            fh.write(
                json.dumps({**asdict(passage), "tokens": list(toks)}, ensure_ascii=False) + "\n"
            )
    dense = DenseIndex.build(vectors)
    dense.save(build / "dense.faiss")
    if keys is not None:
        (build / KEYS_FILE).write_text("\n".join(keys) + "\n", encoding="utf-8")
    manifest = IndexManifest(
        kb_hash=kb_hash,
        encoder=encoder.id,
        dim=encoder.dim,
        index_type=dense.kind,
        passages=len(passages),
        documents=len({p.doc_id for p in passages}),
        built_at=datetime.now(UTC).isoformat(timespec="seconds"),
        build_seconds=round(build_seconds, 2),
        build_dir=str(build.relative_to(index_dir)),
        encoded=encoded,
    )
    tmp = index_dir / f".{MANIFEST}.{os.getpid()}.tmp"
    tmp.write_text(manifest.model_dump_json(indent=2), encoding="utf-8")
    os.replace(tmp, index_dir / MANIFEST)
    _prune(index_dir, keep=build)
    return manifest


def _prune(index_dir: Path, keep: Path) -> None:
    builds = sorted(p for p in (index_dir / "builds").iterdir() if p.is_dir())
    old = [p for p in builds if p != keep][: max(0, len(builds) - KEEP_BUILDS)]
    for path in old:
        shutil.rmtree(path, ignore_errors=True)


def read_index(
    index_dir: Path, kb_hash: str, encoder: Encoder
) -> tuple[IndexManifest, list[Passage], LexicalIndex, DenseIndex]:
    """Load a build after checking its manifest; raises IndexNotReady / IndexMismatch."""
    manifest = read_manifest(index_dir)
    reason = staleness(manifest, kb_hash, encoder.id)
    if manifest is None:
        raise IndexNotReady(f"no index in {index_dir}; run `govassist index build`")
    if reason:
        raise IndexMismatch(f"index in {index_dir} is stale: {reason}")
    if manifest.dim != encoder.dim:
        raise IndexMismatch(f"index dim {manifest.dim} != encoder dim {encoder.dim}")
    build = index_dir / manifest.build_dir
    passages, tokens = _read_passages(build / "passages.jsonl")
    lexical = LexicalIndex(tokens, [p.doc_id for p in passages])
    dense = DenseIndex.load(build / "dense.faiss", manifest.index_type)
    return manifest, passages, lexical, dense


def _read_passages(path: Path) -> tuple[list[Passage], list[list[str]]]:
    passages, tokens = [], []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise IndexNotReady(f"index files missing: {exc}") from None
    for line in lines:
        row = json.loads(line)
        tokens.append(row.pop("tokens"))
        passages.append(Passage(**row))
    return passages, tokens


def manifest_mtime(index_dir: Path) -> float:
    """Modification time of the manifest (0 when missing)."""
    try:
        return (index_dir / MANIFEST).stat().st_mtime_ns / 1e9
    except OSError:
        return 0.0
