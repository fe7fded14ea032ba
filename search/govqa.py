"""GovQA public benchmark (MSGABench 政务问答): index the official answers alone with the same
engine, query with the citizen questions, report Recall@1/5 and MRR per retriever.

Long answers are split into sentence-aligned passages (plus the whole answer); BM25 runs over the
passages (a document scores by its best one) and, with its own statistics, over whole answers;
dense scores a document by its best passage. Questions are split in two halves by a hash of
their id: fusion settings were chosen on `dev`, `test` is the held-out half. The data file is
read at run time and never copied.
"""

from __future__ import annotations

import json
import re
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from search.dense import DenseIndex
from search.encoders import BUNDLED_E5, BUNDLED_USE, encode_bulk, load_encoder
from search.evaluation import RankMetrics, rank_metrics, rank_of
from search.lexical import LexicalIndex
from search.passages import Passage
from search.query import QueryProcessor
from search.retriever import MODES, HybridRetriever, RetrievalConfig, WholeDocuments

CHUNK_CHARS = 160
_SENTENCE_END = re.compile(r"(?<=[。！？；!?;\n])")
# The encoder for answers: the bundled multilingual E5 reads long official answers far better
# than the bundled USE (dense alone R@1 0.657 vs 0.400, all questions; docs/benchmarks/search.md).
GOVQA_ENCODER = BUNDLED_E5
# Fusion for answers, chosen on the dev half of the GovQA questions per encoder
# (docs/benchmarks/search.md): whole-answer BM25, best-passage BM25, dense (best passage, whole
# question). E5's cosines carry most of the signal, USE's less than BM25's.
GOVQA_CONFIGS = {
    BUNDLED_E5: RetrievalConfig(
        candidates=200,
        fusion="score",
        bm25_weight=0.5,
        dense_weight=3.0,
        whole_weight=1.0,
        dense_query="light",
    ),
    BUNDLED_USE: RetrievalConfig(
        candidates=200,
        fusion="score",
        bm25_weight=0.5,
        dense_weight=0.5,
        whole_weight=1.0,
        dense_query="full",
    ),
}
GOVQA_CONFIG = GOVQA_CONFIGS[GOVQA_ENCODER]
SPLITS = ("dev", "test", "all")


def split_of(row: dict[str, str]) -> str:
    """`dev` or `test`: a fixed half of the questions by a hash of their id."""
    key = row.get("id") or row["question"]
    return "dev" if zlib.crc32(key.encode("utf-8")) % 2 == 0 else "test"


def split_answer(text: str, chunk_chars: int = CHUNK_CHARS) -> list[str]:
    """The whole answer plus sentence-aligned chunks of about `chunk_chars` when it is longer."""
    if len(text) <= chunk_chars:
        return [text]
    chunks, current = [], ""
    for sentence in (s for s in _SENTENCE_END.split(text) if s.strip()):
        if current and len(current) + len(sentence) > chunk_chars:
            chunks.append(current)
            current = ""
        current += sentence
    if current:
        chunks.append(current)
    return [text, *chunks]


@dataclass(frozen=True)
class GovQAReport:
    """Metrics per retriever plus sizes and timings."""

    questions: int
    documents: int
    passages: int
    build_seconds: float
    metrics: dict[str, dict[str, RankMetrics]]  # split -> mode -> metrics


def build_govqa_retriever(
    rows: list[dict[str, str]],
    encoder_name: str,
    chunk_chars: int = CHUNK_CHARS,
    config: RetrievalConfig | None = None,
    char_bigrams: bool = True,
) -> tuple[HybridRetriever, dict[str, str], float]:
    """(retriever, answer text → doc id, build seconds) over the unique answers."""
    started = time.perf_counter()
    doc_ids: dict[str, str] = {}
    for row in rows:
        doc_ids.setdefault(row["answer"], f"a{len(doc_ids)}")
    processor = QueryProcessor((), (), _default_stopwords(), char_bigrams=char_bigrams)
    passages = [
        Passage(doc, "answer", chunk, chunk[:120])
        for answer, doc in doc_ids.items()
        for chunk in split_answer(answer, chunk_chars)
    ]
    tokens = [processor.passage_tokens(p.text) for p in passages]
    encoder = load_encoder(encoder_name)
    config = config or config_for(encoder_name)
    # the encoder reads passages the way it reads questions: lightly normalised or fully
    clean = (
        processor.normalizer.light if config.dense_query == "light" else processor.normalizer.basic
    )
    vectors = encode_bulk(encoder, [clean(p.text) for p in passages])
    lexical = LexicalIndex(tokens, [p.doc_id for p in passages])
    whole = WholeDocuments(
        list(doc_ids.values()),
        LexicalIndex([processor.passage_tokens(a) for a in doc_ids], list(doc_ids.values())),
    )
    dense = DenseIndex.build(vectors, "flat")
    retriever = HybridRetriever(processor, encoder, passages, lexical, dense, config, whole)
    return retriever, doc_ids, time.perf_counter() - started


def config_for(encoder_name: str) -> RetrievalConfig:
    """The fusion chosen for this encoder; E5's for encoders nobody tuned for."""
    return GOVQA_CONFIGS.get(encoder_name or BUNDLED_USE, GOVQA_CONFIG)


def _default_stopwords() -> list[str]:
    path = (
        Path(__file__).resolve().parent.parent / "knowledge" / "data" / "lexicon" / "stopwords.txt"
    )
    if not path.exists():
        return []
    return [
        w for w in (ln.split("#", 1)[0].strip() for ln in path.read_text("utf-8").splitlines()) if w
    ]


def read_govqa(path: Path) -> list[dict[str, str]]:
    """All rows: the index always holds every answer, `--limit` only trims the questions."""
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def evaluate_govqa(
    retriever: HybridRetriever, rows: list[dict[str, str]], doc_ids: dict[str, str]
) -> dict[str, dict[str, RankMetrics]]:
    """Recall@1/5 and MRR for each split (dev, test, all) and mode."""
    ranks: dict[str, dict[str, list[int | None]]] = {s: {m: [] for m in MODES} for s in SPLITS}
    for row in rows:
        query = retriever.processor.prepare(row["question"])
        for mode in MODES:
            docs = retriever.rank(query, mode, limit=10)
            rank = rank_of([d.doc_id for d in docs], [doc_ids[row["answer"]]])
            ranks[split_of(row)][mode].append(rank)
            ranks["all"][mode].append(rank)
    return {s: {m: rank_metrics(r) for m, r in by.items()} for s, by in ranks.items()}


def run_govqa(
    path: Path,
    encoder_name: str,
    limit: int | None = None,
    echo: Callable[[str], object] = print,
    config: RetrievalConfig | None = None,
) -> GovQAReport:
    """Build the answer index and evaluate the first `limit` questions (all by default)."""
    rows = read_govqa(path)
    echo(f"indexing {len(rows)} answers with {encoder_name} …")
    retriever, doc_ids, seconds = build_govqa_retriever(rows, encoder_name, config=config)
    queries = rows[:limit] if limit else rows
    echo(f"querying {len(queries)} questions …")
    metrics = evaluate_govqa(retriever, queries, doc_ids)
    return GovQAReport(
        len(queries), len(doc_ids), len(retriever.passages), round(seconds, 1), metrics
    )


def with_config(retriever: HybridRetriever, **changes: Any) -> HybridRetriever:
    """The same indexes with other retrieval settings (for fusion experiments)."""
    return HybridRetriever(
        retriever.processor,
        retriever.encoder,
        retriever.passages,
        retriever.lexical,
        retriever.dense,
        replace(retriever.config, **changes),
        retriever.whole,
    )


def format_govqa(report: GovQAReport) -> str:
    """Plain-text table."""
    lines = [
        f"GovQA: {report.questions} questions, {report.documents} unique answers, "
        f"{report.passages} passages, index built in {report.build_seconds}s"
    ]
    for split, by_mode in report.metrics.items():
        if not by_mode["hybrid"].n:
            continue
        lines.append(f"[{split}] ({by_mode['hybrid'].n} questions)")
        for mode, m in by_mode.items():
            lines.append(
                f"  {mode:<7} R@1={m.recall_at_1:.3f}  R@5={m.recall_at_5:.3f}  MRR={m.mrr:.3f}"
            )
    return "\n".join(lines)
