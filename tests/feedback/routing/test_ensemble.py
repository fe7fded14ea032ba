"""The bench's view ensemble: weights chosen on validation data, predictions on unseen texts."""

from __future__ import annotations

import numpy as np
import pytest

from feedback.routing.ensemble import View, ViewEnsemble
from feedback.routing.model import Example

VIEWS = (View("char", (1, 3), c=1.0), View("char", (1, 3), c=0.1), View("word", (1, 2), c=1.0))


@pytest.fixture(scope="module")
def ensemble(train_examples: list[Example]) -> ViewEnsemble:
    return ViewEnsemble(VIEWS, val_size=0.25).fit(
        [e.text for e in train_examples], [e.department for e in train_examples]
    )


def test_weights_and_temperatures_are_chosen_per_view(ensemble: ViewEnsemble) -> None:
    assert len(ensemble.weights) == len(ensemble.temperatures) == len(VIEWS)
    assert any(ensemble.weights) and all(0 <= w <= ensemble.max_weight for w in ensemble.weights)
    assert len(ensemble.val_f1) == len(VIEWS) + 1
    # the weights maximise validation macro-F1: never worse than the best single view
    assert ensemble.val_f1[-1] >= max(ensemble.val_f1[:-1])
    assert "ensemble validation macro-F1" in ensemble.describe()


def test_predicts_departments_of_held_out_messages(
    ensemble: ViewEnsemble, test_examples: list[Example]
) -> None:
    preds = ensemble.predict([e.text for e in test_examples])
    assert set(preds) <= set(ensemble.classes)
    accuracy = np.mean([p == e.department for p, e in zip(preds, test_examples, strict=True)])
    # TF-IDF views alone, without the catalogue or the duty blend of the shipped router
    assert accuracy >= 0.6


def test_log_proba_rows_rank_the_classes(ensemble: ViewEnsemble) -> None:
    scores = ensemble.log_proba(["小区的路灯坏了一个星期没人修", "公司拖欠我三个月工资"])
    assert scores.shape == (2, len(ensemble.classes))
    assert [ensemble.classes[i] for i in scores.argmax(axis=1)] == [
        "市城市管理局",
        "市人力资源和社会保障局",
    ]
