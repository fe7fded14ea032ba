"""Rank fusion (pure functions): weighted reciprocal-rank fusion and min-max score fusion."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

RRF_K = 60


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[str]], weights: Sequence[float] | None = None, k: int = RRF_K
) -> dict[str, float]:
    """Σ w_i / (k + rank_i) over the rankings (rank starting at 1); higher is better."""
    weights = weights or [1.0] * len(rankings)
    fused: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, item in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + weight / (k + rank)
    return fused


def min_max(scores: Mapping[str, float]) -> dict[str, float]:
    """Scale scores to [0, 1] (all ones when they are equal)."""
    if not scores:
        return {}
    lo, hi = min(scores.values()), max(scores.values())
    if hi - lo <= 1e-12:
        return dict.fromkeys(scores, 1.0)
    return {key: (value - lo) / (hi - lo) for key, value in scores.items()}


def score_fusion(
    score_maps: Sequence[Mapping[str, float]], weights: Sequence[float]
) -> dict[str, float]:
    """Σ w_i · minmax(scores_i); an item missing from one list scores 0 there."""
    fused: dict[str, float] = {}
    for scores, weight in zip(score_maps, weights, strict=True):
        for key, value in min_max(scores).items():
            fused[key] = fused.get(key, 0.0) + weight * value
    return fused


def ranked(scores: Mapping[str, float]) -> list[str]:
    """Keys by descending score, ties broken by key for determinism."""
    return sorted(scores, key=lambda key: (-scores[key], key))
