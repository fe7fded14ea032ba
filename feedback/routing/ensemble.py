"""An ensemble of linear SVMs on several TF-IDF views of a message (the bench's method).

Each view is one TF-IDF representation (character n-grams, or n-grams of jieba words) with a
linear SVM on it. The views' decision scores become log-probabilities through a softmax
temperature, and the ensemble adds them with small integer weights. Temperatures and weights are
chosen on a stratified validation split carved from the training data (never on test); then every
view with a non-zero weight is refitted on all training data. Each view's vocabulary and IDF are
fitted once on all training texts (no labels involved), so a text is vectorised once per view.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import jieba
import numpy as np
from scipy.sparse import csr_matrix
from scipy.special import log_softmax
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split
from sklearn.svm import LinearSVC

TEMPERATURES = (0.3, 0.5, 1.0, 2.0, 3.0, 5.0, 8.0, 12.0, 20.0)


@dataclass(frozen=True)
class View:
    """One TF-IDF representation and the linear SVM's C on it."""

    analyzer: str = "char"  # "char" or "word" (jieba tokens)
    ngram_range: tuple[int, int] = (1, 3)
    c: float = 1.0
    min_df: int = 1

    @property
    def name(self) -> str:
        lo, hi = self.ngram_range
        return f"{self.analyzer} {lo}-{hi}-grams C={self.c}"

    @property
    def representation(self) -> tuple[str, tuple[int, int], int]:
        """Views with the same representation share one fitted vectorizer."""
        return (self.analyzer, self.ngram_range, self.min_df)


class Tokens:
    """jieba tokens joined by spaces."""

    def __init__(self) -> None:
        self._tokenizer = jieba.Tokenizer()

    def __call__(self, texts: Sequence[str]) -> list[str]:
        return [" ".join(t for t in self._tokenizer.lcut(x) if t.strip()) for x in texts]


def _vectorizer(view: View) -> TfidfVectorizer:
    word = view.analyzer == "word"
    return TfidfVectorizer(
        analyzer="word" if word else "char",
        token_pattern=r"\S+" if word else None,
        ngram_range=view.ngram_range,
        sublinear_tf=True,
        min_df=view.min_df,
    )


def _temperature(scores: np.ndarray, y: np.ndarray) -> float:
    """The softmax temperature with the least validation log-loss."""
    rows = np.arange(len(y))
    losses = [-log_softmax(scores * t, axis=1)[rows, y].mean() for t in TEMPERATURES]
    return TEMPERATURES[int(np.argmin(losses))]


def _scores(svm: LinearSVC, matrix: csr_matrix, classes: Sequence[str]) -> np.ndarray:
    raw = np.asarray(svm.decision_function(matrix))
    return raw[:, [list(svm.classes_).index(c) for c in classes]]


class ViewEnsemble:
    """Weighted sum of the views' calibrated log-probabilities; weights picked on validation."""

    def __init__(
        self, views: Sequence[View], val_size: float = 0.15, max_weight: int = 3, seed: int = 0
    ) -> None:
        self.views = list(views)
        self.val_size = val_size
        self.max_weight = max_weight
        self.seed = seed
        self._tokens = Tokens()
        self.classes: list[str] = []
        self.temperatures: list[float] = []
        self.weights: tuple[int, ...] = ()
        self.val_f1: list[float] = []  # per view, then the ensemble
        self._fitted: list[tuple[TfidfVectorizer, LinearSVC]] = []

    def _texts(self, view: View, texts: Sequence[str], words: list[list[str]]) -> list[str]:
        """The texts as `view` reads them; `words` keeps the jieba tokens for the next view."""
        if view.analyzer != "word":
            return list(texts)
        if not words:
            words.append(self._tokens(texts))
        return words[0]

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> ViewEnsemble:
        """Choose temperatures and weights on a validation split, then refit on everything."""
        self.classes = sorted(set(labels))
        labels_arr = np.asarray(labels)
        fit_idx, val_idx = train_test_split(
            np.arange(len(labels)),
            test_size=self.val_size,
            stratify=labels_arr,
            random_state=self.seed,
        )
        y_val = np.array([self.classes.index(v) for v in labels_arr[val_idx]])
        words: list[list[str]] = []
        matrices, val_logp = [], []
        shared: dict[tuple[str, tuple[int, int], int], tuple[TfidfVectorizer, csr_matrix]] = {}
        for view in self.views:
            if view.representation not in shared:
                vectorizer = _vectorizer(view)
                matrix = vectorizer.fit_transform(self._texts(view, texts, words)).tocsr()
                shared[view.representation] = (vectorizer, matrix)
            vectorizer, matrix = shared[view.representation]
            svm = LinearSVC(C=view.c).fit(matrix[fit_idx], labels_arr[fit_idx])
            scores = _scores(svm, matrix[val_idx], self.classes)
            self.temperatures.append(_temperature(scores, y_val))
            val_logp.append(log_softmax(scores * self.temperatures[-1], axis=1))
            self.val_f1.append(float(f1_score(y_val, scores.argmax(axis=1), average="macro")))
            matrices.append((vectorizer, matrix))
        self.weights, best = self._pick_weights(val_logp, y_val)
        self.val_f1.append(best)
        self._fitted = [
            (vectorizer, LinearSVC(C=view.c).fit(matrix, labels_arr))
            for view, (vectorizer, matrix), weight in zip(
                self.views, matrices, self.weights, strict=True
            )
            if weight
        ]
        return self

    def _pick_weights(
        self, val_logp: list[np.ndarray], y: np.ndarray
    ) -> tuple[tuple[int, ...], float]:
        best: tuple[float, int, tuple[int, ...]] = (-1.0, 0, ())
        for weights in itertools.product(range(self.max_weight + 1), repeat=len(val_logp)):
            if not any(weights):
                continue
            total = sum(w * lp for w, lp in zip(weights, val_logp, strict=True) if w)
            f1 = float(f1_score(y, np.argmax(total, axis=1), average="macro"))
            # ties (to 1e-9): the smaller total weight (fewer views, less tuned) wins
            if (round(f1, 9), -sum(weights)) > (round(best[0], 9), best[1]):
                best = (f1, -sum(weights), weights)
        return best[2], best[0]

    def log_proba(self, texts: Sequence[str]) -> np.ndarray:
        words: list[list[str]] = []
        used = [
            (view, w, t)
            for view, w, t in zip(self.views, self.weights, self.temperatures, strict=True)
            if w
        ]
        total = np.zeros((len(texts), len(self.classes)))
        matrices: dict[tuple[str, tuple[int, int], int], csr_matrix] = {}
        for (view, weight, temp), (vectorizer, svm) in zip(used, self._fitted, strict=True):
            if view.representation not in matrices:
                matrices[view.representation] = vectorizer.transform(
                    self._texts(view, texts, words)
                )
            matrix = matrices[view.representation]
            total += weight * log_softmax(_scores(svm, matrix, self.classes) * temp, axis=1)
        return total

    def predict(self, texts: Sequence[str]) -> list[str]:
        return [self.classes[i] for i in np.argmax(self.log_proba(texts), axis=1)]

    def describe(self) -> str:
        views = ", ".join(
            f"{v.name} (val {f1:.3f}, weight {w})"
            for v, f1, w in zip(self.views, self.val_f1, self.weights, strict=False)
        )
        return f"views: {views}; ensemble validation macro-F1 {self.val_f1[-1]:.3f}"
