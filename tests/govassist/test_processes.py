"""The demo's supervisor: children restart when they die and stop when the supervisor is told to."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import REPO_ROOT

SCRIPT = """
import os, sys
from pathlib import Path
from govassist.processes import ProcessSpec, Supervisor, interrupt_on_termination

interrupt_on_termination()
supervisor = Supervisor(say=lambda m: print(m, flush=True))
log = Path(sys.argv[1])
try:
    supervisor.start(ProcessSpec("sleeper", ["sleep", "300"], dict(os.environ), log))
    print("child", supervisor._children[0].proc.pid, flush=True)
    supervisor.watch()
except KeyboardInterrupt:
    print("stopping", flush=True)
finally:
    supervisor.stop_all()
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is dead too: its parent (the supervisor) may not have reaped it yet
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


def _start(tmp_path: Path) -> tuple[subprocess.Popen[str], int]:
    proc = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "child.log")],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = ""
    while not line.startswith("child"):
        line = proc.stdout.readline()
        assert line, "the supervisor script ended early"
    return proc, int(line.split()[1])


def test_sigterm_stops_the_children_too(tmp_path: Path) -> None:
    supervisor, child = _start(tmp_path)
    assert _alive(child)
    supervisor.send_signal(signal.SIGTERM)
    out, _ = supervisor.communicate(timeout=30)
    assert "stopping" in out
    deadline = time.monotonic() + 10
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(child)


def test_a_child_that_dies_is_restarted(tmp_path: Path) -> None:
    supervisor, child = _start(tmp_path)
    try:
        os.kill(child, signal.SIGKILL)
        assert supervisor.stdout is not None
        line = supervisor.stdout.readline()
        assert "sleeper exited" in line and "restarting" in line
    finally:
        supervisor.send_signal(signal.SIGTERM)
        supervisor.communicate(timeout=30)
