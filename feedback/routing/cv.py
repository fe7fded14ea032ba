"""`govassist route cv`: stratified k-fold cross-validation of the real router on the train split.

Every choice about the router (data, weights) is made on these numbers, never on the test split.
Each fold trains with `train_router` — the code `load_router` uses, so the catalogue-derived
examples are always in training — on the other folds plus `always` (e.g. a batch of new messages
whose effect is measured over the messages that were there before), and predicts the held-out
fold. Scores are pooled over the folds of one seed, then averaged over the seeds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TypedDict

import numpy as np
import typer
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold

from feedback.routing.features import MemoisedEmbedder
from feedback.routing.model import SHIPPED_DATA, Example, read_examples, train_router
from knowledge.store import KnowledgeBase

KB_DIR = Path(__file__).resolve().parents[2] / "knowledge" / "data"


class CVResult(TypedDict):
    department_accuracy: float  # mean over seeds
    kind_macro_f1: float  # mean over seeds
    per_seed: list[float]  # department accuracy of each seed
    per_department: dict[str, float]  # recall of each labelled department, pooled over seeds
    confusions: list[tuple[str, str, int]]  # (labelled, predicted, count) pooled, most first
    messages: int  # evaluated messages (each is predicted once per seed)


def cross_validate(
    seeds: Sequence[int] = (0, 1),
    folds: int = 4,
    examples: Sequence[Example] | None = None,
    always: Sequence[Example] = (),
    kb: KnowledgeBase | None = None,
) -> CVResult:
    """Department accuracy and kind macro-F1 of `train_router` over `folds` stratified folds of
    `examples` (default: the train split of `feedback/data/messages.jsonl`), mean over `seeds`.

    `always` is added to the training side of every fold and never evaluated."""
    if kb is None:
        from knowledge.loader import load_knowledge_base

        kb = load_knowledge_base(KB_DIR)
    data = list(read_examples(SHIPPED_DATA, "train") if examples is None else examples)
    labels = [e.department for e in data]
    accuracies, kind_f1s = [], []
    hits: Counter[str] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()
    embedder = MemoisedEmbedder()  # each text encoded once across all folds and seeds
    for seed in seeds:
        departments = [""] * len(data)
        kinds = [""] * len(data)
        splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
        for train_idx, held_idx in splitter.split(np.zeros(len(data)), labels):
            router = train_router(
                kb, [data[i] for i in train_idx] + list(always), embedder=embedder
            )
            preds = router.predict_many([data[i].text for i in held_idx])
            for i, decision in zip(held_idx, preds, strict=True):
                departments[i], kinds[i] = decision.department, decision.kind.value
        right = [p == y for p, y in zip(departments, labels, strict=True)]
        accuracies.append(sum(right) / len(data))
        kind_f1s.append(float(f1_score([e.kind for e in data], kinds, average="macro")))
        for p, y in zip(departments, labels, strict=True):
            hits[y] += p == y
            if p != y:
                pairs[y, p] += 1
    totals = Counter(labels)
    return CVResult(
        department_accuracy=float(np.mean(accuracies)),
        kind_macro_f1=float(np.mean(kind_f1s)),
        per_seed=accuracies,
        per_department={d: hits[d] / (n * len(seeds)) for d, n in sorted(totals.items())},
        confusions=[(y, p, n) for (y, p), n in pairs.most_common()],
        messages=len(data),
    )


def run_cv(folds: int = 4, seeds: int = 2) -> None:
    typer.echo(f"{folds}-fold cross-validation on the train split, seeds 0..{seeds - 1} …")
    result = cross_validate(seeds=tuple(range(seeds)), folds=folds)
    per_seed = ", ".join(f"{a:.3f}" for a in result["per_seed"])
    typer.echo(
        f"{result['messages']} messages: department accuracy {result['department_accuracy']:.3f}"
        f" (per seed {per_seed}); kind macro-F1 {result['kind_macro_f1']:.3f}"
    )
    typer.echo("recall per department (pooled over seeds):")
    for dept, recall in sorted(result["per_department"].items(), key=lambda kv: kv[1]):
        typer.echo(f"  {recall:.3f}  {dept}")
    typer.echo("most frequent confusions (labelled → predicted, count over seeds):")
    for label, pred, n in result["confusions"][:15]:
        typer.echo(f"  {n:3d}  {label} → {pred}")
