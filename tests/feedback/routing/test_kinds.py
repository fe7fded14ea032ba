"""Kind classification: cue words as a prior, and the learned model on our held-out split."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import f1_score

from feedback.routing.kinds import blend_kind, cue_prior
from feedback.routing.model import Example, Router
from feedback.schemas import Kind

CLASSES = ["complaint", "consultation", "praise", "report", "suggestion"]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("建议地铁末班车延长到十一点", "suggestion"),
        ("能不能在小区门口增加一个公交站", "suggestion"),
        ("感谢社区医生上门给我父亲看病", "praise"),
        ("我要举报有人无证行医", "report"),
        ("请问公积金怎么提取", "consultation"),
    ],
)
def test_cue_prior_marks_the_cued_kind(text: str, kind: str) -> None:
    prior = cue_prior(text, CLASSES)
    assert prior[CLASSES.index(kind)] > 0


def test_no_cue_means_no_prior() -> None:
    assert not cue_prior("楼下的垃圾三天没人收了", CLASSES).any()


def test_a_clear_cue_outweighs_a_confident_model() -> None:
    probs = np.array([0.9, 0.0, 0.05, 0.0, 0.05])  # the model says complaint
    assert blend_kind("建议公园晚上多开几盏灯", CLASSES, probs) == "suggestion"
    assert blend_kind("公园晚上太黑了", CLASSES, probs) == "complaint"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("隔壁工地天天半夜施工吵死了", Kind.COMPLAINT),
        ("建议延长图书馆周末的开放时间", Kind.SUGGESTION),
        ("给12路公交车的张师傅点赞，每次都等老人坐稳再开车", Kind.PRAISE),
        ("举报：有人在河边非法捕鱼还电鱼", Kind.REPORT),
        ("办理居住证需要带什么材料", Kind.CONSULTATION),
        ("发现一家没有营业执照的黑诊所在给人打针", Kind.REPORT),
    ],
)
def test_router_kinds(router: Router, text: str, kind: Kind) -> None:
    assert router.predict(text).kind is kind


def test_kind_macro_f1_on_our_held_out_split(router: Router, test_examples: list[Example]) -> None:
    preds = router.predict_many([e.text for e in test_examples])
    f1 = f1_score([e.kind for e in test_examples], [p.kind.value for p in preds], average="macro")
    assert f1 >= 0.88  # measured 0.931 (docs/benchmarks/routing.md)
