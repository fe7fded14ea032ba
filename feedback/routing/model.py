"""Router = supervised department and kind classifiers blended with the zero-shot duty classifier.

The department score is a weighted sum of the supervised model's probabilities, a softmax over
the duty-similarity scores (so a department without labelled examples can still win on its
duties) and the votes of the nearest training examples in sentence-embedding space
(`neighbours.py`); a catalogue-keyword hit adds a small bonus. The weights were chosen by 4-fold
cross-validation on the train split. Below the confidence threshold the decision is `manual`
(人工派单).
"""

from __future__ import annotations

import hashlib
import json
import pickle
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.linear_model import LogisticRegression

from feedback.duty_classifier import DutyClassifier
from feedback.routing.features import SentenceEmbedder, TextFeatures
from feedback.routing.keywords import KEYWORD_BONUS, keyword_boost
from feedback.routing.kinds import blend_kind
from feedback.routing.neighbours import NeighbourVotes
from feedback.schemas import Alternative, Kind, RoutingDecision
from knowledge.store import KnowledgeBase

_CJK = re.compile(r"[\u4e00-\u9fff]")
SHIPPED_DATA = Path(__file__).resolve().parent.parent / "data" / "messages.jsonl"
MODEL_FILE = "router.pkl"
CORRECTION_WEIGHT = 3.0
MODEL_VERSION = "4"  # part of the fingerprint: a router saved by older code is retrained
DENSE_WEIGHT = 1.5  # scale of the USE embedding columns next to the TF-IDF ones
NEIGHBOUR_WEIGHT = 0.45  # weight of the neighbour votes next to alpha / 1 - alpha (CV on train)


@dataclass
class Example:
    text: str
    kind: str
    department: str
    weight: float = 1.0  # corrections count more: a returned ticket is a verified, costly error


def read_examples(path: Path, split: str | None = None) -> list[Example]:
    """Labelled messages from a JSON Lines file (optionally one split)."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            if split is None or row.get("split", "train") == split:
                out.append(Example(row["text"], row["kind"], row["department"]))
    return out


class Router:
    """Predicts kind, department, confidence and alternatives for one message."""

    def __init__(
        self,
        duty: DutyClassifier,
        alpha: float = 0.5,
        threshold: float = 0.4,
        duty_temperature: float = 25.0,
        neighbour_weight: float = NEIGHBOUR_WEIGHT,
        embedder: SentenceEmbedder | None = None,
    ) -> None:
        self.duty = duty
        self.alpha = alpha
        self.neighbour_weight = neighbour_weight
        self.neighbours = NeighbourVotes()
        self.threshold = threshold
        self.temperature = duty_temperature
        # USE weight 1.5 (3 before the neighbour votes): 4-fold CV on train, 0.897 -> 0.903
        self.features = TextFeatures(dense_weight=DENSE_WEIGHT, embedder=embedder)
        self.dept_model = LogisticRegression(C=20.0, max_iter=2000)
        self.kind_model = LogisticRegression(C=10.0, max_iter=2000)
        self.names = list(duty.names)
        self.fingerprint = ""
        self.keywords: list[list[str]] = []  # per department, aligned with `names`

    def fit(
        self, examples: Sequence[Example], kind_examples: Sequence[Example] | None = None
    ) -> Router:
        """Department model on all examples; kind model on real messages only (`kind_examples`)."""
        texts = [e.text for e in examples]
        embeddings = self.features.embed(texts)
        matrix = self.features.fit_transform(texts, embeddings)
        weights = np.array([e.weight for e in examples])
        departments = [e.department for e in examples]
        self.dept_model.fit(matrix, departments, sample_weight=weights)
        if embeddings is not None:
            self.neighbours.fit(embeddings, departments, self.names, weights)
        kinds = list(kind_examples) if kind_examples is not None else list(examples)
        self.kind_model.fit(
            self.features.transform([e.text for e in kinds]), [e.kind for e in kinds]
        )
        return self

    def _department_scores(
        self, texts: Sequence[str], matrix: csr_matrix, embeddings: np.ndarray | None
    ) -> np.ndarray:
        supervised = np.zeros((len(texts), len(self.names)))
        probs = self.dept_model.predict_proba(matrix)
        for j, cls in enumerate(self.dept_model.classes_):
            supervised[:, self.names.index(cls)] = probs[:, j]
        duty = np.vstack([self.duty.scores(t) for t in texts]) * self.temperature
        duty = np.exp(duty - duty.max(axis=1, keepdims=True))
        duty /= duty.sum(axis=1, keepdims=True)
        blended = self.alpha * supervised + (1 - self.alpha) * duty
        if embeddings is not None and self.neighbour_weight:
            votes = self.neighbours.scores(embeddings)
            blended = (blended + self.neighbour_weight * votes) / (1 + self.neighbour_weight)
        return keyword_boost(texts, self.keywords, blended, KEYWORD_BONUS)

    def predict_many(self, texts: Sequence[str]) -> list[RoutingDecision]:
        if not texts:
            return []
        embeddings = self.features.embed(texts)  # encoded once, shared by every component
        matrix = self.features.transform(texts, embeddings)
        scores = self._department_scores(texts, matrix, embeddings)
        kinds = self.kind_model.predict_proba(matrix)
        out = []
        for i, text in enumerate(texts):
            order = np.argsort(-scores[i])
            best = float(scores[i][order[0]])
            kind = self._kind(text, kinds[i])
            out.append(
                RoutingDecision(
                    kind=kind,
                    department=self.names[order[0]],
                    confidence=round(best, 3),
                    alternatives=[
                        Alternative(
                            department=self.names[j], confidence=round(float(scores[i][j]), 3)
                        )
                        for j in order[1:4]
                    ],
                    manual=best < self.threshold or len(_CJK.findall(text)) < 2,
                )
            )
        return out

    def _kind(self, text: str, probs: np.ndarray) -> Kind:
        # explicit wording (举报, 建议, 表扬 …) is added to the learned probabilities as a prior
        return Kind(blend_kind(text, list(self.kind_model.classes_), probs))

    def predict(self, text: str) -> RoutingDecision:
        return self.predict_many([text])[0]

    def save(self, directory: Path) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / MODEL_FILE
        path.write_bytes(pickle.dumps(self))
        return path


def duty_classifier_for(kb: KnowledgeBase) -> DutyClassifier:
    titles: dict[str, list[str]] = {}
    for guide in kb.guides:
        titles.setdefault(guide.department, []).extend([guide.title, *guide.aliases])
    return DutyClassifier(kb.departments, titles)


def knowledge_examples(kb: KnowledgeBase) -> list[Example]:
    """Weak examples from the catalogue: each duty, keyword, service title and FAQ question."""
    out = []
    for dept in kb.departments:
        phrases = [*dept.duties.replace("，", "、").split("、"), *dept.keywords]
        out += [Example(f"{p}的问题", "complaint", dept.name) for p in phrases if p]
    for guide in kb.guides:
        out += [Example(t, "consultation", guide.department) for t in (guide.title, *guide.aliases)]
        out += [Example(f.question, "consultation", guide.department) for f in guide.faqs]
    return out


def train_router(
    kb: KnowledgeBase,
    examples: Sequence[Example],
    use_kb: bool = True,
    embedder: SentenceEmbedder | None = None,
) -> Router:
    """A router fitted on `examples` (+ weak examples from the KB) with the zero-shot component;
    `embedder` lets many trainings share one encoder (cross-validation)."""
    known = {d.name for d in kb.departments}
    usable = [e for e in examples if e.department in known]
    router = Router(duty_classifier_for(kb), embedder=embedder)
    router.keywords = [list(d.keywords) for d in kb.departments]
    return router.fit(usable + (knowledge_examples(kb) if use_kb else []), usable)


def training_examples(data_dir: Path | None) -> list[Example]:
    """Our labelled training split plus recorded corrections (returned, re-routed tickets)."""
    examples = read_examples(SHIPPED_DATA, "train")
    corrections = data_dir / "routing" / "corrections.jsonl" if data_dir else None
    if corrections and corrections.exists():
        lines = [line for line in corrections.read_text(encoding="utf-8").splitlines() if line]
        examples += [
            Example(r["text"], r["kind"], r["department"], CORRECTION_WEIGHT)
            for r in map(json.loads, lines)
        ]
    return examples


def training_fingerprint(kb: KnowledgeBase, examples: Sequence[Example]) -> str:
    digest = hashlib.sha256(f"{MODEL_VERSION}\t{kb.content_hash}".encode())
    for e in examples:
        digest.update(f"{e.text}\t{e.kind}\t{e.department}\n".encode())
    return digest.hexdigest()[:16]


def load_router(kb: KnowledgeBase, data_dir: Path | None = None) -> Router:
    """The model saved under `<data_dir>/routing/model` when it matches the KB and training data;
    otherwise one trained now (15–40 s) and saved for the next start."""
    examples = training_examples(data_dir)
    fingerprint = training_fingerprint(kb, examples)
    path = data_dir / "routing" / "model" / MODEL_FILE if data_dir else None
    if path is not None and path.exists():
        router = pickle.loads(path.read_bytes())
        if isinstance(router, Router) and getattr(router, "fingerprint", "") == fingerprint:
            return router
    router = train_router(kb, examples)
    router.fingerprint = fingerprint
    if path is not None:
        router.save(path.parent)
    return router
