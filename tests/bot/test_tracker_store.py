"""bot/tracker_store.py in the Rasa environment: encrypted at rest, same trackers as Rasa's own."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.conftest import REDIS_BASE_URL, REPO_ROOT

RASA_PYTHON = REPO_ROOT / ".venv-rasa" / "bin" / "python"
DB = 14

CHECK = """
import asyncio, json, sys
from redis import Redis
from rasa.core.tracker_store import RedisTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from bot.tracker_store import EncryptedRedisTrackerStore

host, port, db = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
Redis(host=host, port=port, db=db).flushdb()
domain = Domain.from_yaml("slots:\\n  phone:\\n    type: text\\n    mappings: [{type: custom}]")
ours = EncryptedRedisTrackerStore(domain, host=host, port=port, db=db, key_prefix="ours",
                                  secret="test-secret")
rasas = RedisTrackerStore(domain, host=host, port=port, db=db, key_prefix="rasas")

def turn(i):
    return [ActionExecuted("action_listen", timestamp=10 * i),
            UserUttered(f"我的手机是1381234{i:04d}", timestamp=10 * i + 1),
            SlotSet("phone", f"1381234{i:04d}", timestamp=10 * i + 2)]

async def conversation(store, sender):
    tracker = DialogueStateTracker.from_events(sender, turn(1), slots=domain.slots)
    await store.save(tracker)
    for i in (2, 3):  # the usual turn: retrieve, add events, save
        tracker = await store.retrieve(sender)
        for e in turn(i):
            tracker.update(e)
        await store.save(tracker)
    # a new session: retrieve returns only the last session, save must keep the earlier ones
    tracker = await store.retrieve(sender)
    for e in [ActionExecuted("action_session_start", timestamp=100), SessionStarted(timestamp=101),
              *turn(11)]:
        tracker.update(e)
    await store.save(tracker)
    tracker = await store.retrieve(sender)
    for e in turn(12):
        tracker.update(e)
    await store.save(tracker)
    full = await store.retrieve_full_tracker(sender)
    last = await store.retrieve(sender)
    return [e.as_dict() for e in full.events], [e.as_dict() for e in last.events]

async def main():
    a = await conversation(ours, "c1")
    b = await conversation(rasas, "c1")
    raw = Redis(host=host, port=port, db=db).get("ours:tracker:c1")
    stale = EncryptedRedisTrackerStore(domain, host=host, port=port, db=db, key_prefix="ours",
                                       secret="another-secret")
    try:
        await stale.retrieve("c1")
        wrong_key = "read"
    except ValueError:
        wrong_key = "refused"
    print(json.dumps({"same": a == b, "n_full": len(a[0]), "n_last": len(a[1]),
                      "raw_prefix": raw[:4].decode(), "leak": b"1381234" in raw,
                      "wrong_key": wrong_key}))

asyncio.run(main())
"""


@pytest.mark.skipif(not RASA_PYTHON.exists(), reason="needs .venv-rasa (make setup)")
def test_trackers_are_encrypted_and_saved_exactly_like_rasa() -> None:
    host_port = REDIS_BASE_URL.split("//", 1)[1].split("/", 1)[0]
    host, port = host_port.rsplit(":", 1)
    run = subprocess.run(
        [str(RASA_PYTHON), "-c", CHECK, host, port, str(DB)],
        cwd=REPO_ROOT,
        env={"PYTHONPATH": str(REPO_ROOT), "TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["same"], result  # the fast save and Rasa's merge keep the same events
    assert result["n_full"] > result["n_last"] > 0  # both sessions stored, the last one served
    assert result["raw_prefix"] == "enc:" and not result["leak"]
    assert result["wrong_key"] == "refused"
