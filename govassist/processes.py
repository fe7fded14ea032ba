"""A small supervisor: start child processes, wait until healthy, restart the ones that die."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx


@dataclass
class ProcessSpec:
    """How to run one service of the assistant."""

    name: str
    cmd: list[str]
    env: dict[str, str]
    log_file: Path
    health_url: str | None = None
    cwd: Path | None = None


@dataclass
class _Running:
    spec: ProcessSpec
    proc: subprocess.Popen[bytes]
    restarts: int = 0
    started_at: float = field(default_factory=time.monotonic)


def interrupt_on_termination() -> None:
    """Make SIGTERM and SIGHUP (systemd, a container stop, a closed terminal) act like Ctrl-C.

    Their default action ends the process at once, leaving its children running; as a
    KeyboardInterrupt they reach the caller's `finally: supervisor.stop_all()`.
    """

    def interrupt(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, interrupt)


def is_healthy(url: str, timeout: float = 1.0) -> bool:
    """True when `url` answers 2xx."""
    try:
        return httpx.get(url, timeout=timeout).is_success
    except httpx.HTTPError:
        return False


class Supervisor:
    """Owns the child processes of `govassist demo`."""

    def __init__(self, say: Callable[[str], object] = print) -> None:
        self._children: list[_Running] = []
        self._say = say

    def _spawn(self, spec: ProcessSpec) -> subprocess.Popen[bytes]:
        spec.log_file.parent.mkdir(parents=True, exist_ok=True)
        log = spec.log_file.open("ab")
        return subprocess.Popen(
            spec.cmd,
            env=spec.env,
            cwd=spec.cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def start(self, spec: ProcessSpec) -> None:
        """Start a child; its output goes to its log file."""
        self._say(f"starting {spec.name}: log in {spec.log_file}")
        self._children.append(_Running(spec, self._spawn(spec)))

    def wait_healthy(self, name: str, timeout: float) -> None:
        """Block until the child answers its health URL; raise with its log tail if it dies."""
        child = next(c for c in self._children if c.spec.name == name)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if child.spec.health_url is None or is_healthy(child.spec.health_url):
                return
            if child.proc.poll() is not None:
                code = child.proc.returncode
                raise RuntimeError(f"{name} exited with code {code}:\n{_tail(child.spec.log_file)}")
            time.sleep(0.5)
        raise RuntimeError(f"{name} not ready after {timeout:.0f}s:\n{_tail(child.spec.log_file)}")

    def watch(self) -> None:
        """Restart children that exit, with a growing delay, until interrupted."""
        while True:
            time.sleep(1)
            for child in self._children:
                if child.proc.poll() is None:
                    continue
                delay = min(30, 2**child.restarts)
                self._say(
                    f"{child.spec.name} exited ({child.proc.returncode}); restarting in {delay}s"
                )
                time.sleep(delay)
                child.proc = self._spawn(child.spec)
                child.restarts += 1

    def stop_all(self) -> None:
        """Terminate children in reverse start order."""
        for child in reversed(self._children):
            if child.proc.poll() is None:
                os.killpg(child.proc.pid, signal.SIGTERM)
        for child in reversed(self._children):
            try:
                child.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(child.proc.pid, signal.SIGKILL)


def _tail(path: Path, lines: int = 25) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
