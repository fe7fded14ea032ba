"""`govassist route bench`: our method vs a TF-IDF + linear SVM reference on public datasets.

Trains on each public training split and reports macro-F1 on its test split (never trained on):
Teddy Cup 2020 C (topic, 7 classes; test text = subject + "。" + body) and MSGABench (intent:
咨询 / 投诉求助 / 建言). Also department accuracy and kind macro-F1 on our own test split.
The public data is read from ../shared/datasets at run time and never shipped.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import typer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import f1_score
from sklearn.svm import LinearSVC

from feedback.routing.ensemble import View, ViewEnsemble

if TYPE_CHECKING:
    from feedback.routing.model import Router

DATASETS = Path(__file__).resolve().parents[2].parent / "shared" / "datasets"
INTENTS = {
    "咨询": "咨询",
    "投诉/求助": "投诉求助",
    "投诉": "投诉求助",
    "求助": "投诉求助",
    "建言": "建言",
}


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def teddy(limit: int | None) -> tuple[list[str], list[str], list[str], list[str]]:
    bodies, subjects = (
        _read(DATASETS / "teddy2020c/train_bodies.csv"),
        _read(DATASETS / "teddy2020c/train_subjects.csv"),
    )
    test = _read(DATASETS / "teddy2020c/test.csv")
    train_x = [*bodies["body"], *subjects["subject"]]
    train_y = [*bodies["label"], *subjects["label"]]
    if limit:
        idx = np.random.default_rng(0).permutation(len(train_x))[:limit]
        train_x, train_y = [train_x[i] for i in idx], [train_y[i] for i in idx]
    return (
        train_x,
        train_y,
        [f"{s}。{b}" for s, b in zip(test["subject"], test["body"], strict=True)],
        list(test["label"]),
    )


def msgabench(limit: int | None) -> tuple[list[str], list[str], list[str], list[str]]:
    train, test = (
        _read(DATASETS / "msgabench/messages_train.csv"),
        _read(DATASETS / "msgabench/messages_test.csv"),
    )
    train = train[train["intent"].isin(INTENTS)]
    test = test[test["intent"].isin(INTENTS)]
    if limit:
        train = train.sample(n=min(limit, len(train)), random_state=0)
    return (
        list(train["text"]),
        [INTENTS[i] for i in train["intent"]],
        list(test["text"]),
        [INTENTS[i] for i in test["intent"]],
    )


def reference(train_x: Sequence[str], train_y: Sequence[str], test_x: Sequence[str]) -> list[str]:
    """TF-IDF character 1–3-grams + linear SVM (the reference measured in shared/README.md)."""
    vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
    model = LinearSVC(C=1.0).fit(vec.fit_transform(train_x), train_y)
    return list(model.predict(vec.transform(test_x)))


# The views of the ensemble; which ones count and how much is chosen on validation data
# carved from each training split (feedback/routing/ensemble.py).
VIEWS = (
    View("char", (1, 3), c=1.0),
    View("char", (1, 3), c=3.0),
    View("char", (1, 4), c=1.0, min_df=2),
    View("word", (1, 2), c=1.0),
)
MAX_CHARS = 3000  # longer texts (under 3 % of Teddy's bodies) are cut, to bound the run time


def ours(train_x: Sequence[str], train_y: Sequence[str], test_x: Sequence[str]) -> list[str]:
    """Ensemble of linear SVMs on char and word TF-IDF views, weighted on a validation split."""
    ensemble = ViewEnsemble(VIEWS).fit([t[:MAX_CHARS] for t in train_x], train_y)
    typer.echo(f"    {ensemble.describe()}")
    return ensemble.predict([t[:MAX_CHARS] for t in test_x])


def _report(
    name: str, y: Sequence[str], preds: dict[str, list[str]], seconds: dict[str, float]
) -> None:
    for method, p in preds.items():
        f1 = f1_score(y, p, average="macro")
        typer.echo(f"  {name:28s} {method:22s} macro-F1 {f1:.3f}   ({seconds[method]:.0f} s)")


def run_bench(limit: int | None = None) -> None:
    if not DATASETS.is_dir():
        typer.echo(f"error: public datasets not found at {DATASETS}", err=True)
        raise typer.Exit(2)
    typer.echo("routing benchmark (train on each public training split, report on its test split)")
    for name, loader in (("Teddy Cup 2020 C topic", teddy), ("MSGABench intent", msgabench)):
        train_x, train_y, test_x, test_y = loader(limit)
        typer.echo(f"{name}: {len(train_x)} training / {len(test_x)} test messages")
        preds, seconds = {}, {}
        for method, fn in (
            ("TF-IDF+SVM reference", reference),
            ("ours (view ensemble)", ours),
        ):
            started = time.perf_counter()
            preds[method] = fn(train_x, train_y, test_x)
            seconds[method] = time.perf_counter() - started
        _report(name, test_y, preds, seconds)
    own_split()


def own_split() -> None:
    """Department accuracy and kind macro-F1 of the shipped router on our held-out messages."""
    from feedback.routing.model import SHIPPED_DATA, read_examples, train_router
    from knowledge.loader import load_knowledge_base

    kb = load_knowledge_base(Path(__file__).resolve().parents[2] / "knowledge" / "data")
    train, test = read_examples(SHIPPED_DATA, "train"), read_examples(SHIPPED_DATA, "test")
    router = train_router(kb, train)
    preds = router.predict_many([e.text for e in test])
    acc = sum(p.department == e.department for p, e in zip(preds, test, strict=True)) / len(test)
    kind_f1 = f1_score([e.kind for e in test], [p.kind.value for p in preds], average="macro")
    manual = sum(p.manual for p in preds)
    routed = [(p, e) for p, e in zip(preds, test, strict=True) if not p.manual]
    acc_routed = sum(p.department == e.department for p, e in routed) / max(1, len(routed))
    typer.echo(f"own test split: {len(test)} messages (train {len(train)} + KB-derived examples)")
    typer.echo(
        f"  department accuracy {acc:.3f}; kind macro-F1 {kind_f1:.3f}; "
        f"sent to manual dispatch {manual}; accuracy of the auto-routed {acc_routed:.3f}"
    )
    typer.echo("  " + latency(router, [e.text for e in test]))


def latency(router: Router, texts: Sequence[str]) -> str:
    """Per-message routing latency (one `predict` call each, after one warm-up call)."""
    router.predict(texts[0])
    times = []
    for text in texts:
        started = time.perf_counter()
        router.predict(text)
        times.append((time.perf_counter() - started) * 1000)
    p50, p95 = np.percentile(times, [50, 95])
    return f"latency per message: p50 {p50:.1f} ms, p95 {p95:.1f} ms ({len(times)} messages)"
