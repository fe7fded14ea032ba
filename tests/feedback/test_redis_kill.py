"""Durability: no ticket is lost when Redis or the worker is killed (SIGKILL) mid-run.

Starts its own redis-server (spare port, AOF with fsync on every write, in a temp dir) and a real
`python -m feedback.worker` subprocess, submits tickets while killing and restarting both, then
checks through the idempotent consumer's delivery records that every ticket reached its
department exactly once, and that every ticket is in its department's stream.
Self-contained: needs no fixture from tests/feedback/conftest.py.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from sqlalchemy import select

from feedback.db import DeliveryRow, OutboxRow, TicketRow, make_engine, session_factory, upgrade
from feedback.factory import load_classifier
from feedback.privacy import Cipher
from feedback.schemas import FeedbackCreate
from feedback.service import TicketService
from knowledge.loader import load_knowledge_base
from tests.conftest import fresh_postgres_database

REPO_ROOT = Path(__file__).resolve().parents[2]
SECRET = "redis-kill-test-secret"
TICKETS = 45
ROUTES = ("city_management", "police", "traffic_police", "hrss", "ecology")

pytestmark = pytest.mark.slow


class RedisServer:
    """A real redis-server we own: persistent AOF so a SIGKILL loses nothing acknowledged."""

    def __init__(self, workdir: Path, port: int) -> None:
        self.workdir, self.port = workdir, port
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server not found on PATH"
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_timeout=1)
        for _ in range(100):
            try:
                if client.ping():
                    return
            except redis.RedisError:
                time.sleep(0.1)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)


class WorkerProcess:
    """`python -m feedback.worker` as a child process."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "feedback.worker"],
                cwd=REPO_ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'tickets.db'}"
        return
    with fresh_postgres_database("feedback_kill") as url:
        yield url


def _free_port() -> int:
    """A spare loopback port, so concurrent runs of this test never share a Redis."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    workdir = tmp_path / "redis"
    workdir.mkdir()
    server = RedisServer(workdir, _free_port())
    server.start()
    yield server
    server.kill()


def _wait_until(predicate, timeout_s: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return predicate()


def _service(database_url: str) -> TicketService:
    kb = load_knowledge_base(REPO_ROOT / "knowledge" / "data")
    return TicketService(
        sessions=session_factory(make_engine(database_url)),
        classifier=load_classifier(kb, REPO_ROOT / "var"),
        departments=kb.departments,
        cipher=Cipher(SECRET),
    )


def _submit(service: TicketService, n: int) -> str:
    create = FeedbackCreate(
        text=f"第{n}号反映：小区附近的问题一直没有解决，请尽快处理",
        channel="web",
        sender_id=f"kill-test-{n}",
        contact="13812345678",
    )
    return service.submit(create, department_hint=ROUTES[n % len(ROUTES)]).ticket_id


def _delivered(service: TicketService) -> Counter[str]:
    with service.sessions() as session:
        keys = session.scalars(
            select(DeliveryRow.ticket_id).where(DeliveryRow.event_key.like("ticket.dispatched:%"))
        ).all()
    return Counter(keys)


def _pending(service: TicketService) -> int:
    with service.sessions() as session:
        return len(
            session.scalars(select(OutboxRow.id).where(OutboxRow.published_at.is_(None))).all()
        )


def _diagnose(service: TicketService, submitted: list[str], port: int) -> str:
    missing = sorted(set(submitted) - set(_delivered(service)))
    client = redis.Redis(port=port, decode_responses=True)
    pending = {code: client.xpending(f"govassist:dept:{code}", "departments") for code in ROUTES}
    return f"not delivered: {missing}; pending per stream: {pending}"


def test_no_ticket_lost_when_redis_and_worker_are_killed(
    database_url: str, redis_server: RedisServer, tmp_path: Path
) -> None:
    upgrade(database_url)
    service = _service(database_url)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": f"redis://127.0.0.1:{redis_server.port}/0",
        "DATA_DIR": str(tmp_path / "var"),
        "SECRET_KEY": SECRET,
        "HF_HUB_OFFLINE": "1",
    }
    worker = WorkerProcess(env, tmp_path / "worker.log")
    worker.start()
    submitted: list[str] = []
    try:
        for n in range(TICKETS):
            submitted.append(_submit(service, n))
            if n == TICKETS // 4:
                worker.kill()  # mid-run: some rows published, some not
                worker.start()
            if n == TICKETS // 2:
                redis_server.kill()  # tickets keep being accepted while Redis is down
            if n == 3 * TICKETS // 4:
                redis_server.start()
            time.sleep(0.1)
        assert _wait_until(lambda: _pending(service) == 0, 90), (
            tmp_path / "worker.log"
        ).read_text()[-3000:]
        worker.kill()  # and once more after publishing, before or while consuming
        worker.start()
        complete = _wait_until(lambda: set(_delivered(service)) >= set(submitted), 60)
        log_tail = (tmp_path / "worker.log").read_text()[-2000:]
        assert complete, (
            f"{_diagnose(service, submitted, redis_server.port)}\nworker log: {log_tail}"
        )
    finally:
        worker.kill()

    delivered = _delivered(service)
    assert len(submitted) == len(set(submitted)) == TICKETS
    assert all(delivered[t] == 1 for t in submitted), {t: c for t, c in delivered.items() if c != 1}
    client = redis.Redis(port=redis_server.port, decode_responses=True)
    in_streams = {
        fields["ticket_id"]
        for code in ROUTES
        for _, fields in client.xrange(f"govassist:dept:{code}")
    }
    assert set(submitted) <= in_streams
    noticed = {fields["ticket_id"] for _, fields in client.xrange("govassist:notifications")}
    assert set(submitted) <= noticed
    with service.sessions() as session:
        stored = set(session.scalars(select(TicketRow.ticket_id)).all())
    assert stored == set(submitted)
