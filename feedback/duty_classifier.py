"""Zero-shot routing from each department's duties, keywords and service titles.

No labelled examples needed: a message goes to the department whose description it resembles
most (TF-IDF over characters and jieba words). It is the fallback router, and the component that
lets a department with no training examples still receive its matters.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import jieba
import numpy as np
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer

from feedback.schemas import Alternative, Kind, RoutingDecision
from knowledge.schema import Department

_KIND_CUES: tuple[tuple[Kind, re.Pattern[str]], ...] = (
    (Kind.PRAISE, re.compile(r"表扬|感谢|点赞|谢谢.*(帮助|服务)|服务很好|锦旗|为.*点赞")),
    (
        Kind.SUGGESTION,
        re.compile(
            r"建议|希望(能|可以|增加|设置|开通)|能不能(增加|设置|多开|开通)|提议|呼吁|应该(增加|设置)"
        ),
    ),
    (Kind.REPORT, re.compile(r"举报|偷排|违法|违规|非法|黑作坊|盗采|无证经营|传销|诈骗")),
    (
        Kind.CONSULTATION,
        re.compile(
            r"请问|咨询|怎么办理|如何办理|需要什么材料|在哪里办|多久|能不能办|怎么申请|是否可以|吗[？?]?$"
        ),
    ),
)


def detect_kind(text: str) -> Kind:
    """Complaint unless the wording says praise, suggestion, report or consultation."""
    for kind, pattern in _KIND_CUES:
        if pattern.search(text):
            return kind
    return Kind.COMPLAINT


class DutyClassifier:
    """Routes by similarity to department descriptions."""

    def __init__(
        self,
        departments: Sequence[Department],
        service_titles: dict[str, list[str]] | None = None,
        threshold: float = 0.08,
    ) -> None:
        self.names = [d.name for d in departments]
        titles = service_titles or {}
        docs = [" ".join([d.duties, *d.keywords, *titles.get(d.name, [])]) for d in departments]
        self._tokenizer = jieba.Tokenizer()
        self._chars = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
        self._words = TfidfVectorizer(
            tokenizer=self._tokens, token_pattern=None, lowercase=False, sublinear_tf=True
        )
        self._matrix = hstack(
            [self._chars.fit_transform(docs), self._words.fit_transform(docs)]
        ).tocsr()
        self.threshold = threshold

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        state["_tokenizer"] = None  # holds a lock; rebuilt on load
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._tokenizer = jieba.Tokenizer()
        self._words.tokenizer = self._tokens

    def _tokens(self, text: str) -> list[str]:
        return [t for t in self._tokenizer.lcut(text) if t.strip()]

    def scores(self, text: str) -> np.ndarray:
        vec = hstack([self._chars.transform([text]), self._words.transform([text])]).tocsr()
        return np.asarray((self._matrix @ vec.T).todense()).ravel() / 2.0

    def predict(self, text: str) -> RoutingDecision:
        scores = self.scores(text)
        order = np.argsort(-scores)
        best = float(scores[order[0]])
        # confidence: how far the best stands above the runner-up, bounded to [0, 1]
        runner = float(scores[order[1]]) if len(order) > 1 else 0.0
        confidence = round(min(1.0, best / (best + runner + 1e-9)) if best > 0 else 0.0, 3)
        alternatives = [
            Alternative(department=self.names[i], confidence=round(float(scores[i]), 3))
            for i in order[1:4]
        ]
        return RoutingDecision(
            kind=detect_kind(text),
            department=self.names[order[0]],
            confidence=confidence,
            alternatives=alternatives,
            manual=best < self.threshold,
        )
