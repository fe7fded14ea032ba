"""Retrieval quality on the labelled citizen questions: Recall@1/5 and MRR per retriever,
plus not-found calibration (threshold chosen on the dev split, reported on test).

Questions are labelled with guide *titles* (stable) and split by a hash of the text, so adding
questions never moves old ones between dev and test.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from search.retriever import MODES, HybridRetriever

DEV_SHARE = 4  # of 10 hash buckets
MAX_FALSE_REJECTION = 0.04


@dataclass(frozen=True)
class Labelled:
    """A question with the title of the guide that answers it (None: out of domain)."""

    question: str
    title: str | None
    split: str


@dataclass(frozen=True)
class RankMetrics:
    """Recall@1, Recall@5 and MRR@10 over a set of questions."""

    n: int
    recall_at_1: float
    recall_at_5: float
    mrr: float


def split_of(question: str) -> str:
    """`dev` or `test`, stable per question text."""
    return "dev" if zlib.crc32(question.encode("utf-8")) % 10 < DEV_SHARE else "test"


class QuestionFileError(ValueError):
    """A question file that cannot be read; the message names the file and line."""


def read_questions(path: Path) -> list[Labelled]:
    """JSON Lines of {"question", "title"?}; a bad line raises QuestionFileError (file:line)."""
    try:
        lines = path.read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise QuestionFileError(f"{path}: cannot read: {exc}") from None
    out = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise QuestionFileError(f"{path}:{number}: not JSON: {exc.msg}") from None
        row = row if isinstance(row, dict) else {}
        question, title = row.get("question"), row.get("title")
        if not isinstance(question, str) or not question.strip():
            raise QuestionFileError(f'{path}:{number}: needs a non-empty "question" string')
        if title is not None and not isinstance(title, str):
            raise QuestionFileError(f'{path}:{number}: "title" must be a string or null')
        out.append(Labelled(question, title, split_of(question)))
    return out


def rank_metrics(ranks: Sequence[int | None]) -> RankMetrics:
    """Metrics from the 1-based rank of the right answer (None: not in the top 10)."""
    n = len(ranks)
    if not n:
        return RankMetrics(0, 0.0, 0.0, 0.0)
    r1 = sum(r == 1 for r in ranks) / n
    r5 = sum(r is not None and r <= 5 for r in ranks) / n
    mrr = sum(1 / r for r in ranks if r is not None and r <= 10) / n
    return RankMetrics(n, round(r1, 4), round(r5, 4), round(mrr, 4))


def rank_of(ranking: Sequence[str], gold: Iterable[str]) -> int | None:
    """1-based position of the first gold id in a ranking."""
    gold = set(gold)
    return next((i for i, doc in enumerate(ranking, 1) if doc in gold), None)


@dataclass(frozen=True)
class Scored:
    """One evaluated question: rank of the gold guide per mode and the top confidence."""

    item: Labelled
    ranks: dict[str, int | None]
    top_confidence: float


def score_questions(
    retriever: HybridRetriever, items: Sequence[Labelled], gold_ids: dict[str, str]
) -> list[Scored]:
    """Rank every question with each retriever alone and with the hybrid."""
    out = []
    for item in items:
        query = retriever.processor.prepare(item.question)
        ranks: dict[str, int | None] = {}
        confidence = 0.0
        for mode in MODES:
            docs = retriever.rank(query, mode, limit=10)
            gold = [gold_ids[item.title]] if item.title in gold_ids else []
            ranks[mode] = rank_of([d.doc_id for d in docs], gold)
            if mode == "hybrid":
                confidence = docs[0].confidence if docs else 0.0
        out.append(Scored(item, ranks, confidence))
    return out


def calibrate(
    in_domain: Sequence[float], ood: Sequence[float], max_false: float = MAX_FALSE_REJECTION
) -> float:
    """Threshold maximising OOD rejection − false rejection with false rejection ≤ max_false,
    placed midway in the gap below the first best cut (largest margin on both sides)."""
    candidates = sorted(set(in_domain) | set(ood))
    best, best_gain, below = 0.0, -1.0, 0.0
    for i, t in enumerate(candidates):
        false = sum(c < t for c in in_domain) / max(len(in_domain), 1)
        rejected = sum(c < t for c in ood) / max(len(ood), 1)
        if false <= max_false and rejected - false > best_gain:
            best, best_gain = t, rejected - false
            below = candidates[i - 1] if i else t
    return round((best + below) / 2, 4)


def rejection(confidences: Sequence[float], threshold: float) -> float:
    """Share of questions whose top confidence is below the threshold."""
    return round(sum(c < threshold for c in confidences) / max(len(confidences), 1), 4)


@dataclass(frozen=True)
class EvalReport:
    """Everything `govassist search eval` prints."""

    metrics: dict[str, dict[str, RankMetrics]]  # split -> mode -> metrics
    threshold_used: float
    threshold_calibrated: float
    ood_rejection: dict[str, float]  # split -> rate at threshold_used
    false_rejection: dict[str, float]
    skipped: list[str]  # titles not in the KB


def evaluate(
    retriever: HybridRetriever,
    labelled: Sequence[Labelled],
    ood: Sequence[Labelled],
    title_to_id: dict[str, str],
    threshold: float,
) -> EvalReport:
    """Score every question and summarise per split."""
    known = [q for q in labelled if q.title in title_to_id]
    skipped = sorted({q.title or "" for q in labelled if q.title not in title_to_id})
    scored = score_questions(retriever, known, title_to_id)
    scored_ood = score_questions(retriever, ood, title_to_id)
    metrics: dict[str, dict[str, RankMetrics]] = {}
    ood_rej: dict[str, float] = {}
    false_rej: dict[str, float] = {}
    for split in ("dev", "test", "all"):
        part = [s for s in scored if split in ("all", s.item.split)]
        part_ood = [s for s in scored_ood if split in ("all", s.item.split)]
        metrics[split] = {m: rank_metrics([s.ranks[m] for s in part]) for m in MODES}
        ood_rej[split] = rejection([s.top_confidence for s in part_ood], threshold)
        false_rej[split] = rejection([s.top_confidence for s in part], threshold)
    dev_in = [s.top_confidence for s in scored if s.item.split == "dev"]
    dev_ood = [s.top_confidence for s in scored_ood if s.item.split == "dev"]
    return EvalReport(metrics, threshold, calibrate(dev_in, dev_ood), ood_rej, false_rej, skipped)


def format_report(report: EvalReport) -> str:
    """Plain-text table of an EvalReport."""
    lines = []
    for split, by_mode in report.metrics.items():
        lines.append(f"[{split}]")
        for mode, m in by_mode.items():
            lines.append(
                f"  {mode:<7} n={m.n:<4} R@1={m.recall_at_1:.3f}  "
                f"R@5={m.recall_at_5:.3f}  MRR={m.mrr:.3f}"
            )
        lines.append(
            f"  not-found @ {report.threshold_used:.3f}: "
            f"OOD rejection={report.ood_rejection[split]:.3f}  "
            f"false rejection={report.false_rejection[split]:.3f}"
        )
    lines.append(f"threshold calibrated on dev: {report.threshold_calibrated:.3f}")
    if report.skipped:
        lines.append(
            f"skipped {len(report.skipped)} title(s) not in the KB: {'、'.join(report.skipped)}"
        )
    return "\n".join(lines)
