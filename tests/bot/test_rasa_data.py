"""Rasa data validation, NLU accuracy on the held-out set, conversation tests (rasa test core)."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from govassist.train import validate_data
from tests.bot.conftest import BOT_DIR
from tests.conftest import KB_DIR

RASA = str(BOT_DIR.parent / ".venv-rasa" / "bin" / "rasa")
MIN_INTENT_ACCURACY = 0.95
REQUIRED_INTENTS = {
    "greet", "goodbye", "thank", "affirm", "deny", "ask_service", "apply_service",
    "file_complaint", "give_suggestion", "check_ticket", "request_human", "cancel", "out_of_scope",
}  # fmt: skip


def _examples(path: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
        if "intent" in item:
            lines = [ln.strip()[2:] for ln in item["examples"].splitlines() if ln.strip()]
            plain = [re.sub(r"\[([^\]]*)\](\([^)]*\)|\{[^}]*\})", r"\1", ln) for ln in lines]
            found.setdefault(item["intent"], []).extend(plain)
    return found


def _rasa(args: list[str], timeout: int = 900) -> subprocess.CompletedProcess[str]:
    env = dict(
        os.environ,
        PYTHONPATH=str(BOT_DIR.resolve().parent),  # the custom NLU components import search
        RASA_TELEMETRY_ENABLED="false",
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
    )
    return subprocess.run(
        [RASA, *args],
        cwd=BOT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_training_data_is_valid() -> None:
    validate_data(BOT_DIR, KB_DIR)  # raises TrainingFailed with rasa's output on any warning


def test_every_required_intent_has_enough_varied_examples() -> None:
    training = _examples(BOT_DIR / "data" / "nlu" / "chitchat.yml")
    for name in ("service", "application", "feedback", "handoff", "form"):
        for intent, items in _examples(BOT_DIR / "data" / "nlu" / f"{name}.yml").items():
            training.setdefault(intent, []).extend(items)
    for intent in REQUIRED_INTENTS:
        assert len(set(training[intent])) >= 25, intent


@pytest.mark.parametrize(
    ("name", "minimum"), [("nlu_test.yml", 15), ("nlu_dev.yml", 15), ("nlu_test_fresh.yml", 5)]
)
def test_held_out_sets_are_disjoint_and_large_enough(
    generated_bot: Path, name: str, minimum: int
) -> None:
    held_out = _examples(BOT_DIR / "tests" / name)
    training: set[str] = set()
    generated = (generated_bot / "generated" / "data").glob("*.yml")
    for path in [*(BOT_DIR / "data" / "nlu").glob("*.yml"), *generated]:
        for items in _examples(path).values():
            training.update(items)
    assert set(held_out) >= REQUIRED_INTENTS
    for intent, items in held_out.items():
        assert len(items) >= minimum, intent
        assert not set(items) & training, (intent, sorted(set(items) & training))


@pytest.mark.slow
@pytest.mark.rasa
@pytest.mark.parametrize("name", ["nlu_test.yml", "nlu_dev.yml"])
def test_intent_accuracy_on_held_out_set(trained_model: Path, tmp_path: Path, name: str) -> None:
    """The held-out set and the blind development set that chose the pipeline (nlu_dev.yml)."""
    result = _rasa(
        [
            "test",
            "nlu",
            "--nlu",
            f"tests/{name}",
            "--model",
            str(trained_model),
            "--out",
            str(tmp_path),
        ]
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads((tmp_path / "intent_report.json").read_text())
    errors_file = tmp_path / "intent_errors.json"  # rasa writes none when nothing is wrong
    errors = json.loads(errors_file.read_text()) if errors_file.exists() else []
    wrong = [(e["text"], e["intent"], e["intent_prediction"]["name"]) for e in errors]
    assert report["accuracy"] >= MIN_INTENT_ACCURACY, wrong


@pytest.mark.slow
@pytest.mark.rasa
def test_conversation_stories(trained_model: Path, tmp_path: Path) -> None:
    result = _rasa(
        [
            "test",
            "core",
            "--stories",
            "tests/test_stories.yml",
            "--model",
            str(trained_model),
            "--out",
            str(tmp_path),
            "--fail-on-prediction-errors",
        ]
    )
    failed = tmp_path / "failed_test_stories.yml"
    details = failed.read_text() if failed.exists() else ""
    assert result.returncode == 0, details + result.stdout[-2000:] + result.stderr[-2000:]
    assert (
        "None of the test stories failed" in details
        or not details.strip()
        or "stories: []" in details
    )
