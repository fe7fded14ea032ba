"""`cross_validate` / `govassist route cv`: out-of-fold scores of the real router on train only."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

import feedback.routing.cv as cv
from feedback.routing.model import Example
from govassist.cli import build_app
from knowledge.store import KnowledgeBase


@pytest.fixture(scope="module")
def subset(train_examples: list[Example]) -> list[Example]:
    """Six messages per department (114), so one 2-fold run trains in a few seconds."""
    per: dict[str, list[Example]] = {}
    for e in train_examples:
        per.setdefault(e.department, []).append(e)
    return [e for group in per.values() for e in group[:6]]


def test_scores_are_deterministic_per_seed_and_well_above_chance(
    kb: KnowledgeBase, subset: list[Example]
) -> None:
    result = cv.cross_validate(seeds=(0, 0), folds=2, examples=subset, kb=kb)
    assert result["messages"] == len(subset)
    assert result["per_seed"][0] == result["per_seed"][1]  # same seed, same folds, same model
    assert 0.0 <= result["kind_macro_f1"] <= 1.0
    # 19 departments: chance is ~0.05; predictions misaligned with their messages would be near it
    assert 0.6 <= result["department_accuracy"] <= 1.0
    assert set(result["per_department"]) == {e.department for e in subset}
    wrong = sum(n for _, _, n in result["confusions"])
    assert wrong == round((1 - result["department_accuracy"]) * len(subset) * 2)


def test_always_examples_train_but_are_never_scored(
    kb: KnowledgeBase, subset: list[Example]
) -> None:
    # every evaluated message also given as `always`: each held-out message is then in its own
    # training fold (near-perfect), and still counted once, not twice
    result = cv.cross_validate(seeds=(1,), folds=2, examples=subset, always=subset, kb=kb)
    assert result["messages"] == len(subset)
    assert len(result["per_seed"]) == 1
    assert result["department_accuracy"] >= 0.95


def test_cli_passes_folds_and_seeds(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[tuple[int, ...], int]] = []

    def fake(seeds: tuple[int, ...] = (0, 1), folds: int = 4) -> cv.CVResult:
        calls.append((tuple(seeds), folds))
        return cv.CVResult(
            department_accuracy=0.5,
            kind_macro_f1=0.25,
            per_seed=[0.5, 0.5, 0.5],
            per_department={"市水务局": 0.5},
            confusions=[("市水务局", "市生态环境局", 3)],
            messages=10,
        )

    monkeypatch.setattr(cv, "cross_validate", fake)
    result = CliRunner().invoke(build_app(), ["route", "cv", "--folds", "3", "--seeds", "3"])
    assert result.exit_code == 0, result.output
    assert calls == [((0, 1, 2), 3)]
    assert "department accuracy 0.500" in result.output
    assert "kind macro-F1 0.250" in result.output
    assert "市水务局 → 市生态环境局" in result.output
