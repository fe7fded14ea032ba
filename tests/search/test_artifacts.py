import time
from pathlib import Path

import numpy as np
import pytest

from knowledge.loader import load_knowledge_base
from search import artifacts
from search.encoders import BundledUseEncoder
from search.exceptions import IndexMismatch, IndexNotReady
from search.service import SearchService, build_processor, build_search_service, ensure_index


def _edit_summary(kb_dir: Path, guide_file: str, marker: str) -> None:
    path = next((kb_dir / "guides").rglob(guide_file))
    text = path.read_text("utf-8").replace("summary: ", f"summary: {marker}", 1)
    path.write_text(text, "utf-8")


def test_manifest_records_what_the_index_was_built_from(
    small_kb: Path, tmp_path: Path, encoder: BundledUseEncoder
) -> None:
    kb = load_knowledge_base(small_kb)
    manifest, rebuilt = ensure_index(kb, tmp_path / "idx", encoder, build_processor(kb))
    assert rebuilt
    assert manifest.kb_hash == kb.content_hash
    assert manifest.encoder == encoder.id and manifest.dim == 512
    assert manifest.index_type == "flat"
    assert manifest.documents == len(kb.guides)
    assert artifacts.read_manifest(tmp_path / "idx") == manifest
    again, rebuilt = ensure_index(kb, tmp_path / "idx", encoder, build_processor(kb))
    assert not rebuilt and again == manifest


def test_stale_index_is_detected_and_rebuilt(
    small_kb: Path, tmp_path: Path, encoder: BundledUseEncoder
) -> None:
    index_dir = tmp_path / "idx"
    first = build_search_service(small_kb, index_dir, encoder).manifest
    _edit_summary(small_kb, "GA-001.yaml", "（已更新）")
    kb = load_knowledge_base(small_kb)
    assert artifacts.staleness(first, kb.content_hash, encoder.id) == "knowledge base changed"
    with pytest.raises(IndexMismatch):
        artifacts.read_index(index_dir, kb.content_hash, encoder)
    second = build_search_service(small_kb, index_dir, encoder).manifest
    assert second.kb_hash == kb.content_hash != first.kb_hash
    assert artifacts.staleness(second, kb.content_hash, "st:other-model") is not None


def test_missing_index_is_not_ready(tmp_path: Path, encoder: BundledUseEncoder) -> None:
    with pytest.raises(IndexNotReady):
        artifacts.read_index(tmp_path, "abc", encoder)
    (tmp_path / artifacts.MANIFEST).write_text("{not json", "utf-8")
    assert artifacts.read_manifest(tmp_path) is None


def test_running_service_picks_up_a_rebuilt_index(
    small_kb: Path, tmp_path: Path, encoder: BundledUseEncoder
) -> None:
    index_dir = tmp_path / "idx"
    svc = build_search_service(small_kb, index_dir, encoder)
    assert isinstance(svc, SearchService)
    old_build = svc.manifest.build_dir
    guide = svc.kb.guide_by_title("居住证申领")
    assert guide is not None
    gid = guide.id
    assert "蓝色星球" not in svc.answer(gid, None)
    # another process (here: other objects) edits the KB and rebuilds
    _edit_summary(small_kb, "GA-001.yaml", "蓝色星球特别说明。")
    time.sleep(0.01)
    kb = load_knowledge_base(small_kb)
    ensure_index(kb, index_dir, encoder, build_processor(kb))
    svc.reload_now()
    assert svc.manifest.build_dir != old_build
    assert "蓝色星球" in svc.answer(gid, None)
    assert svc.search("居住证").hits[0].title == "居住证申领"


def test_rebuild_encodes_only_changed_passages(
    small_kb: Path, tmp_path: Path, encoder: BundledUseEncoder
) -> None:
    index_dir = tmp_path / "idx"
    kb = load_knowledge_base(small_kb)
    first, _ = ensure_index(kb, index_dir, encoder, build_processor(kb))
    assert first.encoded == first.passages
    _edit_summary(small_kb, "GA-001.yaml", "（已更新）")
    kb = load_knowledge_base(small_kb)
    processor = build_processor(kb)
    second, rebuilt = ensure_index(kb, index_dir, encoder, processor)
    assert rebuilt and second.passages == first.passages
    assert second.encoded == 1  # the summary passage; every other text kept its vector
    _, passages, _, dense = artifacts.read_index(index_dir, kb.content_hash, encoder)
    fresh = encoder.encode([processor.normalizer.basic(p.text) for p in passages])
    assert np.allclose(dense.vectors(), fresh, atol=1e-5)


def test_vectors_of_another_encoder_are_not_reused(
    small_kb: Path, tmp_path: Path, encoder: BundledUseEncoder
) -> None:
    kb = load_knowledge_base(small_kb)
    ensure_index(kb, tmp_path, encoder, build_processor(kb))
    rows, vectors = artifacts.previous_vectors(tmp_path, encoder)
    assert len(rows) == len(vectors) > 0

    class Other:
        id, dim = "st:other-model", 512

        def encode(self, texts: list[str]) -> np.ndarray:
            return encoder.encode(texts)

        encode_queries = encode

    rows, vectors = artifacts.previous_vectors(tmp_path, Other())
    assert rows == {} and len(vectors) == 0
