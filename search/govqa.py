"""GovQA public benchmark (MSGABench 政务问答): index the official answers alone with the same
engine, query with the citizen questions, report Recall@1/5 and MRR per retriever.

Long answers are split into sentence-aligned passages (plus the whole answer), and a document
scores by its best passage. The data file is read at run time and never copied.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from search.dense import DenseIndex
from search.encoders import load_encoder
from search.evaluation import RankMetrics, rank_metrics, rank_of
from search.lexical import LexicalIndex
from search.passages import Passage
from search.query import QueryProcessor
from search.retriever import MODES, HybridRetriever, RetrievalConfig

CHUNK_CHARS = 160
_SENTENCE_END = re.compile(r"(?<=[。！？；!?;\n])")
# Fusion for answer passages, chosen on the first 500 GovQA questions (docs/benchmarks/search.md).
GOVQA_CONFIG = RetrievalConfig(candidates=200, fusion="score", bm25_weight=1.0, dense_weight=0.5)


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
    metrics: dict[str, RankMetrics]


def build_govqa_retriever(
    rows: list[dict[str, str]],
    encoder_name: str,
    chunk_chars: int = CHUNK_CHARS,
    config: RetrievalConfig = GOVQA_CONFIG,
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
    vectors = encoder.encode([processor.normalizer.basic(p.text) for p in passages])
    lexical = LexicalIndex(tokens, [p.doc_id for p in passages])
    dense = DenseIndex.build(vectors, "flat")
    retriever = HybridRetriever(processor, encoder, passages, lexical, dense, config)
    return retriever, doc_ids, time.perf_counter() - started


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
) -> dict[str, RankMetrics]:
    """Recall@1/5 and MRR for each mode."""
    ranks: dict[str, list[int | None]] = {m: [] for m in MODES}
    for row in rows:
        query = retriever.processor.prepare(row["question"])
        for mode in MODES:
            docs = retriever.rank(query, mode, limit=10)
            ranks[mode].append(rank_of([d.doc_id for d in docs], [doc_ids[row["answer"]]]))
    return {m: rank_metrics(r) for m, r in ranks.items()}


def run_govqa(
    path: Path,
    encoder_name: str,
    limit: int | None = None,
    echo: Callable[[str], object] = print,
    config: RetrievalConfig = GOVQA_CONFIG,
) -> GovQAReport:
    """Build the answer index and evaluate the first `limit` questions (all by default)."""
    rows = read_govqa(path)
    echo(f"indexing {len(rows)} answers …")
    retriever, doc_ids, seconds = build_govqa_retriever(rows, encoder_name, config=config)
    queries = rows[:limit] if limit else rows
    echo(f"querying {len(queries)} questions …")
    metrics = evaluate_govqa(retriever, queries, doc_ids)
    return GovQAReport(
        len(queries), len(doc_ids), len(retriever.passages), round(seconds, 1), metrics
    )


def with_config(retriever: HybridRetriever, **changes: object) -> HybridRetriever:
    """The same indexes with other retrieval settings (for fusion experiments)."""
    return HybridRetriever(
        retriever.processor,
        retriever.encoder,
        retriever.passages,
        retriever.lexical,
        retriever.dense,
        replace(retriever.config, **changes),
    )


def format_govqa(report: GovQAReport) -> str:
    """Plain-text table."""
    lines = [
        f"GovQA: {report.questions} questions, {report.documents} unique answers, "
        f"{report.passages} passages, index built in {report.build_seconds}s"
    ]
    for mode, m in report.metrics.items():
        lines.append(
            f"  {mode:<7} R@1={m.recall_at_1:.3f}  R@5={m.recall_at_5:.3f}  MRR={m.mrr:.3f}"
        )
    return "\n".join(lines)
