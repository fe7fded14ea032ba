"""`govassist route retrain`: retrain on our data plus corrections; report before/after on the test split."""

from __future__ import annotations

import typer

from feedback.routing.model import (
    MODEL_FILE,
    SHIPPED_DATA,
    load_router,
    read_examples,
    train_router,
    training_examples,
    training_fingerprint,
)


def run_retrain() -> None:
    from govassist.settings import Settings
    from knowledge.loader import load_knowledge_base

    settings = Settings()
    kb = load_knowledge_base(settings.kb_dir)
    test = read_examples(SHIPPED_DATA, "test")
    texts = [e.text for e in test]

    def accuracy(router: object) -> float:
        preds = router.predict_many(texts)  # type: ignore[attr-defined]
        return sum(p.department == e.department for p, e in zip(preds, test, strict=True)) / len(test)

    before = load_router(kb, settings.data_dir)
    examples = training_examples(settings.data_dir)
    corrections = len(examples) - len(read_examples(SHIPPED_DATA, "train"))
    typer.echo(f"training on {len(examples)} messages ({corrections} corrections from returned tickets) …")
    after = train_router(kb, examples)
    after.fingerprint = training_fingerprint(kb, examples)
    acc_before, acc_after = accuracy(before), accuracy(after)
    path = after.save(settings.data_dir / "routing" / "model")
    typer.echo(f"department accuracy on the test split ({len(test)} messages): "
               f"before {acc_before:.3f}  after {acc_after:.3f}")
    typer.echo(f"saved {path} ({MODEL_FILE})")
