"""`govassist route retrain`: retrain on our data + corrections; before/after on the test split."""

from __future__ import annotations

import pickle
from collections.abc import Sequence
from pathlib import Path

import typer

from feedback.routing.model import (
    MODEL_FILE,
    SHIPPED_DATA,
    Example,
    Router,
    read_examples,
    train_router,
    training_examples,
    training_fingerprint,
)
from knowledge.store import KnowledgeBase


def department_accuracy(router: Router, test: Sequence[Example]) -> float:
    """Share of `test` messages routed to their labelled department."""
    preds = router.predict_many([e.text for e in test])
    return sum(p.department == e.department for p, e in zip(preds, test, strict=True)) / len(test)


def current_router(kb: KnowledgeBase, model_dir: Path) -> Router:
    """The model in use before retraining: the saved one, else one trained on our data alone."""
    path = model_dir / MODEL_FILE
    if path.exists():
        router = pickle.loads(path.read_bytes())
        if isinstance(router, Router):
            return router
    return train_router(kb, read_examples(SHIPPED_DATA, "train"))


def retrain(kb: KnowledgeBase, data_dir: Path) -> tuple[float, float, int, Path]:
    """Retrain on our data + corrections, save under `<data_dir>/routing/model`.

    Returns accuracy before, accuracy after, the number of corrections used and the saved path.
    """
    model_dir = data_dir / "routing" / "model"
    test = read_examples(SHIPPED_DATA, "test")
    before = department_accuracy(current_router(kb, model_dir), test)
    examples = training_examples(data_dir)
    corrections = len(examples) - len(read_examples(SHIPPED_DATA, "train"))
    after_router = train_router(kb, examples)
    after_router.fingerprint = training_fingerprint(kb, examples)
    after = department_accuracy(after_router, test)
    return before, after, corrections, after_router.save(model_dir)


def run_retrain() -> None:
    from govassist.settings import Settings
    from knowledge.loader import load_knowledge_base

    settings = Settings()
    kb = load_knowledge_base(settings.kb_dir)
    typer.echo("retraining on our labelled data plus corrections from returned tickets …")
    before, after, corrections, path = retrain(kb, settings.data_dir)
    typer.echo(f"corrections used: {corrections}")
    typer.echo(f"department accuracy on our test split: before {before:.3f}  after {after:.3f}")
    typer.echo(f"saved {path}")
