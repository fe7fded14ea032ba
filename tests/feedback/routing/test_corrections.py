"""Corrections of returned tickets: recorded as JSON Lines, joined to training, retrained on."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from feedback.routing.corrections import corrections_path, read_corrections, record_correction
from feedback.routing.model import Example, Router, load_router, training_examples
from feedback.routing.retrain import retrain
from knowledge.store import KnowledgeBase

# A matter the catalogue leaves open: here the city decides that shared bikes belong to 城管.
TARGET = "市城市管理局"
CORRECTIONS = [
    "共享单车乱停乱放，把小区门口堵死了",
    "地铁口的共享单车堆成了山，行人都过不去",
    "共享单车倒了一地，几天都没有人来清理",
    "路边的共享单车把人行道全占了",
]
PARAPHRASES = [
    "小区楼下的共享单车乱停乱放没人管",
    "共享单车把人行道堵了，走路都要绕",
    "共享单车乱停乱放，堵住了商场门口",
]


def test_record_and_read_back(tmp_path: Path) -> None:
    store = tmp_path / "routing" / "corrections.jsonl"
    record_correction("楼道堆放杂物堵住消防通道", "市城市管理局", "市公安局", "complaint", store)
    record_correction("建议多开几趟夜班公交", "市城市管理局", "市交通运输局", "suggestion", store)
    rows = read_corrections(store)
    assert [(r.text, r.wrong_department, r.department, r.kind.value) for r in rows] == [
        ("楼道堆放杂物堵住消防通道", "市城市管理局", "市公安局", "complaint"),
        ("建议多开几趟夜班公交", "市城市管理局", "市交通运输局", "suggestion"),
    ]


@pytest.mark.parametrize(
    ("text", "right", "kind"),
    [
        ("   ", "市公安局", "complaint"),
        ("有人乱扔垃圾", " ", "complaint"),
        ("有人乱扔垃圾", "市公安局", "rant"),
    ],
)
def test_invalid_corrections_are_refused(tmp_path: Path, text: str, right: str, kind: str) -> None:
    store = tmp_path / "corrections.jsonl"
    with pytest.raises((ValidationError, ValueError)):
        record_correction(text, "市城市管理局", right, kind, store)
    assert not store.exists()


def test_corrections_join_training_examples(tmp_path: Path, train_examples: list[Example]) -> None:
    record_correction(
        "楼道堆放杂物堵住消防通道",
        "市城市管理局",
        "市公安局",
        "complaint",
        corrections_path(tmp_path),
    )
    examples = training_examples(tmp_path)
    assert len(examples) == len(train_examples) + 1
    assert (examples[-1].text, examples[-1].department) == ("楼道堆放杂物堵住消防通道", "市公安局")


def test_retrain_learns_the_correction_and_keeps_accuracy(
    tmp_path: Path, kb: KnowledgeBase, router: Router
) -> None:
    assert [router.predict(t).department for t in PARAPHRASES] != [TARGET] * len(PARAPHRASES)
    router.save(tmp_path / "routing" / "model")  # the model in use before the corrections
    for text in CORRECTIONS:
        record_correction(
            text, router.predict(text).department, TARGET, "complaint", corrections_path(tmp_path)
        )
    before, after, used, saved = retrain(kb, tmp_path)
    assert used == len(CORRECTIONS) and saved.exists()
    assert after >= before - 0.02
    retrained = load_router(kb, tmp_path)  # the saved model matches the data: loaded, not retrained
    assert [retrained.predict(t).department for t in PARAPHRASES] == [TARGET] * len(PARAPHRASES)
