"""Behaviour, not timing: the hybrid keeps finding the right guide on the held-out questions."""

from pathlib import Path

from search.evaluation import evaluate, read_questions
from search.service import SearchService


def test_hybrid_recall_on_test_split(service: SearchService, eval_dir: Path) -> None:
    labelled = read_questions(eval_dir / "eval_questions.jsonl")
    ood = read_questions(eval_dir / "ood_questions.jsonl")
    assert len(labelled) >= 200 and len(ood) >= 50
    titles = {g.title: g.id for g in service.kb.guides}
    retriever = service.retriever
    report = evaluate(retriever, labelled, ood, titles, retriever.config.threshold)
    test = report.metrics["test"]
    assert test["hybrid"].n >= 50
    assert test["hybrid"].recall_at_5 >= 0.9
    assert (
        test["hybrid"].recall_at_1
        >= max(test["bm25"].recall_at_1, test["dense"].recall_at_1) - 0.05
    )
    assert report.ood_rejection["test"] >= 0.8
    assert report.false_rejection["test"] <= 0.1
