"""Session fixtures of the system tests: a scaled-out deployment and a one-of-each stack
for faults.

Shared Redis is used on db 9 (flushed); PostgreSQL gets a fresh database `govassist_system_<hex>`
per fixture, dropped at the end.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from govassist.database import upgrade_all
from tests.conftest import REDIS_BASE_URL, fresh_postgres_database
from tests.integration.servers import free_port
from tests.system.stack import (
    BOT_DIR,
    KB_DIR,
    Service,
    action_service,
    base_settings,
    build_index,
    gateway_service,
    postgres_bindir,
    postgres_service,
    proxy_service,
    rasa_service,
    redis_service,
    wait_postgres,
    wait_redis,
)

SHARED_REDIS_URL = f"{REDIS_BASE_URL}/9"


@pytest.fixture(scope="session")
def system_tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("system")


@pytest.fixture(scope="session")
def system_index(system_tmp: Path) -> Path:
    from govassist.train import ensure_model, model_file

    # Train only when there is no model at all: while the bot's data is being edited, a slightly
    # older model is just as good for these tests, and retraining takes many minutes. The model is
    # copied so that a training run elsewhere cannot swap it under a restarting Rasa server.
    model = model_file(BOT_DIR)
    if not model.exists():
        ensure_model(BOT_DIR, KB_DIR)
    shutil.copy2(model, system_tmp / "govassist.tar.gz")
    index_dir = system_tmp / "index"
    build_index(index_dir, system_tmp / "index.log")
    return index_dir


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    with fresh_postgres_database("govassist_system") as url:
        upgrade_all(url)
        yield url


@dataclass
class ScaledStack:
    """Two gateways and two Rasa servers, each pair behind a round-robin proxy."""

    url: str  # the gateway proxy: what citizens talk to
    gateway_proxy: str
    rasa_proxy: str
    gateways: list[Service]
    rasas: list[Service]
    actions: Service
    tmp: Path


@pytest.fixture(scope="session")
def scaled_stack(system_tmp: Path, system_index: Path, pg_database: str) -> Iterator[ScaledStack]:
    tmp = system_tmp / "scaled"
    tmp.mkdir()
    client = redis.Redis.from_url(SHARED_REDIS_URL)
    client.flushdb()
    client.close()
    actions_port = free_port()
    rasa_ports = [free_port(), free_port()]
    started: list[Service] = []
    try:
        common = base_settings(
            tmp, SHARED_REDIS_URL, pg_database, system_index, actions_port=actions_port
        )
        actions = action_service(common, tmp)
        actions.start(wait=False)
        started.append(actions)
        rasas = []
        for i, port in enumerate(rasa_ports):
            svc = rasa_service(common.model_copy(update={"rasa_port": port}), tmp, f"rasa{i + 1}")
            svc.start(wait=False)
            started.append(svc)
            rasas.append(svc)
        rasa_proxy, rasa_proxy_url = proxy_service(
            [f"http://127.0.0.1:{p}" for p in rasa_ports], tmp, "rasa-proxy"
        )
        rasa_proxy.start()
        started.append(rasa_proxy)
        gw_settings = common.model_copy(update={"rasa_url": rasa_proxy_url, "rasa_timeout_s": 60.0})
        gateways = []
        for i in range(2):
            gw = gateway_service(gw_settings, tmp, free_port(), f"gateway{i + 1}")
            gw.start(wait=False)
            started.append(gw)
            gateways.append(gw)
        for svc in [actions, *rasas, *gateways]:
            svc.wait()
        gw_proxy, gw_proxy_url = proxy_service(
            [g.ready_url.rsplit("/", 1)[0] for g in gateways if g.ready_url], tmp, "gateway-proxy"
        )
        gw_proxy.start()
        started.append(gw_proxy)
        yield ScaledStack(gw_proxy_url, gw_proxy_url, rasa_proxy_url, gateways, rasas, actions, tmp)
    finally:
        for svc in reversed(started):
            svc.stop()


@dataclass
class FaultStack:
    """One of each process on an own redis-server (AOF) and an own PostgreSQL server (or, when
    the server binaries are missing, an own database on the shared server)."""

    url: str
    redis: Service
    redis_port: int
    rasa: Service
    actions: Service
    gateway: Service
    database_url: str
    tmp: Path
    postgres: Service | None = None  # the own PostgreSQL server, killable
    postgres_admin_url: str = ""


def _own_postgres(tmp: Path) -> tuple[Service, str, str, Path] | None:
    """Start an own PostgreSQL cluster with the schema: service, SQLAlchemy URL, admin URL and
    the cluster's directory (removed by the caller)."""
    if postgres_bindir() is None:
        return None
    import psycopg

    port = free_port()
    root = Path(tempfile.mkdtemp(prefix="govassist-pg-"))  # reachable by the postgres user
    service = postgres_service(root, port, tmp / "postgres.log")
    service.start(wait=False)
    admin = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    wait_postgres(admin)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute('CREATE DATABASE "govassist"')
    url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/govassist"
    upgrade_all(url)
    return service, url, admin, root


@pytest.fixture(scope="session")
def fault_stack(system_tmp: Path, system_index: Path, pg_database: str) -> Iterator[FaultStack]:
    tmp = system_tmp / "faults"
    tmp.mkdir()
    redis_port = free_port()
    redis_proc = redis_service(tmp, redis_port)
    redis_proc.start()
    started: list[Service] = [redis_proc]
    own = None
    try:
        own = _own_postgres(tmp)
        if own is not None:
            started.append(own[0])
        database_url = own[1] if own else pg_database
        wait_redis(redis_port)
        port, rasa_port = free_port(), free_port()
        settings = base_settings(
            tmp,
            f"redis://127.0.0.1:{redis_port}/0",
            database_url,
            system_index,
            actions_port=free_port(),
            rasa_port=rasa_port,
            rasa_url=f"http://127.0.0.1:{rasa_port}",
            rasa_timeout_s=20.0,
        )
        actions = action_service(settings, tmp)
        rasa = rasa_service(settings, tmp)
        gateway = gateway_service(settings, tmp, port)
        for svc in (actions, rasa, gateway):
            svc.start(wait=False)
            started.append(svc)
        for svc in (actions, rasa, gateway):
            svc.wait()
        yield FaultStack(
            f"http://127.0.0.1:{port}",
            redis_proc,
            redis_port,
            rasa,
            actions,
            gateway,
            database_url,
            tmp,
            own[0] if own else None,
            own[2] if own else "",
        )
    finally:
        for svc in reversed(started):
            svc.stop()
        if own is not None:
            shutil.rmtree(own[3], ignore_errors=True)
