"""`govassist route bench`: our method vs a TF-IDF + linear SVM reference on public datasets.

Trains on each public training split and reports macro-F1 on its test split (never trained on):
Teddy Cup 2020 C (topic, 7 classes; test text = subject + "。" + body) and MSGABench (intent:
咨询 / 投诉求助 / 建言). Also department accuracy and kind macro-F1 on our own test split.
The public data is read from ../shared/datasets at run time and never shipped.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import typer
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split
from sklearn.svm import LinearSVC

from feedback.routing.features import SentenceEmbedder, TextFeatures

DATASETS = Path(__file__).resolve().parents[2].parent / "shared" / "datasets"
DENSE_WEIGHT = 1.0
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


def _embeddings(texts: Sequence[str], cache_dir: Path) -> np.ndarray:
    """USE sentence embeddings, cached under `cache_dir` by the texts' hash (the slow part)."""
    key = hashlib.sha256("\x1e".join(texts).encode()).hexdigest()[:20]
    path = cache_dir / f"use-{key}.npy"
    if path.exists():
        return np.load(path)
    vectors = SentenceEmbedder().encode(texts)
    cache_dir.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def _pick_c(x: csr_matrix, y: Sequence[str]) -> float:
    """C of the linear SVM by macro-F1 on a stratified 15% validation split of the training data."""
    idx = np.arange(len(y))
    fit, val = train_test_split(idx, test_size=0.15, stratify=y, random_state=0)
    labels = np.asarray(y)
    scores = {
        c: f1_score(
            labels[val], LinearSVC(C=c).fit(x[fit], labels[fit]).predict(x[val]), average="macro"
        )
        for c in (0.1, 0.3, 1.0)
    }
    return max(scores, key=scores.__getitem__)


def ours(
    train_x: Sequence[str],
    train_y: Sequence[str],
    test_x: Sequence[str],
    cache_dir: Path | None = None,
) -> list[str]:
    """Char + word TF-IDF (+ cached USE embeddings), LinearSVC with C tuned on validation."""
    train_x, test_x = [t[:512] for t in train_x], [t[:512] for t in test_x]
    features = TextFeatures(dense_weight=0.0, max_features=300_000)
    x, t = features.fit_transform(train_x), features.transform(test_x)
    if cache_dir is not None:
        x = hstack([x, csr_matrix(_embeddings(train_x, cache_dir) * DENSE_WEIGHT)]).tocsr()
        t = hstack([t, csr_matrix(_embeddings(test_x, cache_dir) * DENSE_WEIGHT)]).tocsr()
    model = LinearSVC(C=_pick_c(x, train_y)).fit(x, train_y)
    return list(model.predict(t))


def _report(
    name: str, y: Sequence[str], preds: dict[str, list[str]], seconds: dict[str, float]
) -> None:
    for method, p in preds.items():
        f1 = f1_score(y, p, average="macro")
        typer.echo(f"  {name:28s} {method:22s} macro-F1 {f1:.3f}   ({seconds[method]:.0f} s)")


def run_bench(limit: int | None = None, dense: bool = True) -> None:
    if not DATASETS.is_dir():
        typer.echo(f"error: public datasets not found at {DATASETS}", err=True)
        raise typer.Exit(2)
    typer.echo("routing benchmark (train on each public training split, report on its test split)")
    for name, loader in (("Teddy Cup 2020 C topic", teddy), ("MSGABench intent", msgabench)):
        train_x, train_y, test_x, test_y = loader(limit)
        typer.echo(f"{name}: {len(train_x)} training / {len(test_x)} test messages")
        preds, seconds = {}, {}
        cache = (
            Path(__file__).resolve().parents[2] / "var" / "routing" / "bench_cache"
            if dense
            else None
        )
        for method, fn in (
            ("TF-IDF+SVM reference", reference),
            (
                "ours (char+word TF-IDF" + ("+USE)" if dense else ")"),
                lambda a, b, c, cache=cache: ours(a, b, c, cache),
            ),
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
