"""The Rasa-server patch (bot/rasa_speedups.py), run in the Rasa environment itself (.venv-rasa)."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.conftest import REPO_ROOT

RASA_PYTHON = REPO_ROOT / ".venv-rasa" / "bin" / "python"

CHECK = """
import json, sys
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from bot.rasa_speedups import install_cached_action_validation

original = RemoteAction._validate_action_result
valid = {"events": [{"event": "slot", "name": "x", "value": 1}], "responses": [{"text": "hi"}]}
invalid = {"events": [{"event": "no_such_event"}], "responses": [{"text": "hi"}]}

def outcome(validate, reply):
    try:
        return ["ok", validate(RemoteAction("a", None), reply)]
    except ValidationError as e:
        return ["error", e.message]

before = [outcome(original, valid), outcome(original, invalid)]
installed = install_cached_action_validation()
again = install_cached_action_validation()
patched = RemoteAction._validate_action_result
after = [outcome(patched, valid), outcome(patched, invalid)]
print(json.dumps({"installed": installed, "again": again, "changed": patched is not original,
                  "before": before, "after": after}))
"""


@pytest.mark.skipif(not RASA_PYTHON.exists(), reason="needs .venv-rasa (make setup)")
def test_cached_validation_accepts_and_rejects_exactly_like_rasa() -> None:
    run = subprocess.run(
        [str(RASA_PYTHON), "-c", CHECK],
        cwd=REPO_ROOT,
        env={"PYTHONPATH": str(REPO_ROOT), "TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["installed"] and result["again"] and result["changed"]
    assert result["after"][0] == result["before"][0] == ["ok", True]
    assert result["after"][1][0] == result["before"][1][0] == "error"
    assert result["after"][1][1] == result["before"][1][1]  # the same message as Rasa's own


EVENT_TYPES = """
import json
from rasa.shared.core.events import Event, UserUttered
from rasa.shared.utils.common import all_subclasses
from bot.rasa_speedups import install_event_type_cache

names = sorted({c.type_name for c in all_subclasses(Event)}) + ["topic"]
original = Event.resolve_by_type

def outcome(resolve, name, default=None):
    try:
        found = resolve(name, default)
        return None if found is None else f"{found.__module__}.{found.__name__}"
    except ValueError as e:
        return f"ValueError: {e}"

def table(resolve):
    rows = [outcome(resolve, n) for n in names]
    rows += [outcome(resolve, "no_such_event"), outcome(resolve, "no_such_event", UserUttered)]
    return rows

before = table(original)
installed, again = install_event_type_cache(), install_event_type_cache()
after, after_cached = table(Event.resolve_by_type), table(Event.resolve_by_type)
events = [{"event": "user", "text": "你好", "parse_data": {"intent": {"name": "greet"}}},
          {"event": "action", "name": "x"}]
restored = [e.type_name for e in map(Event.from_parameters, events)]
print(json.dumps({"installed": installed, "again": again, "n": len(names), "before": before,
                  "after": after, "after_cached": after_cached, "restored": restored}))
"""


@pytest.mark.skipif(not RASA_PYTHON.exists(), reason="needs .venv-rasa (make setup)")
def test_event_type_cache_resolves_exactly_like_rasa() -> None:
    run = subprocess.run(
        [str(RASA_PYTHON), "-c", EVENT_TYPES],
        cwd=REPO_ROOT,
        env={"PYTHONPATH": str(REPO_ROOT), "TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["installed"] and result["again"] and result["n"] > 20
    assert result["after"] == result["before"] == result["after_cached"]
    assert result["before"][-2].startswith("ValueError") and result["before"][-3] is None  # topic
    assert result["restored"] == ["user", "action"]
