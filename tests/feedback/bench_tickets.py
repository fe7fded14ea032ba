"""Benchmark of the ticket pipeline: submit latency, outbox relay and consumer throughput.

    HF_HUB_OFFLINE=1 .venv/bin/python -m tests.feedback.bench_tickets --tickets 200 --processes 4

Uses a temp SQLite file and a fresh PostgreSQL database (dropped at the end) and Redis db 2
(flushed). Prints a Markdown table for docs/benchmarks/tickets.md. Not collected by pytest.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import redis
from sqlalchemy import create_engine, func, select, text

from feedback.consumer import consume_once
from feedback.db import TicketRow, make_engine, session_factory, upgrade
from feedback.factory import load_classifier
from feedback.outbox import relay_once
from feedback.privacy import Cipher
from feedback.schemas import FeedbackCreate
from feedback.service import TicketService, department_stream
from knowledge.loader import load_knowledge_base
from tests.conftest import KB_DIR, POSTGRES_URL, REDIS_BASE_URL

TEXTS = (
    "有人在小区消防通道乱停车，堵了好几天",
    "公司拖欠工资三个月了，老板不接电话",
    "河道有人偷排污水，味道很大",
    "楼下饭店晚上噪音扰民，影响休息",
    "请问异地就医怎么备案报销",
)


def _service(url: str) -> TicketService:
    kb = load_knowledge_base(KB_DIR)
    return TicketService(
        sessions=session_factory(make_engine(url)),
        classifier=load_classifier(kb, Path("var")),
        departments=kb.departments,
        cipher=Cipher("bench"),
    )


def _submit_many(url: str, count: int, offset: int = 0) -> list[float]:
    service = _service(url)
    latencies = []
    for n in range(count):
        create = FeedbackCreate(
            text=f"{TEXTS[n % len(TEXTS)]}（{offset + n}）",
            channel="web",
            sender_id=f"bench-{offset + n}",
            contact="13812345678",
            location="示例市东城区",
        )
        start = time.perf_counter()
        service.submit(create)
        latencies.append(time.perf_counter() - start)
    return latencies


@contextmanager
def _databases() -> Iterator[list[tuple[str, str]]]:
    admin_url = POSTGRES_URL.rsplit("/", 1)[0] + "/postgres"
    name = f"feedback_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with tempfile.TemporaryDirectory() as tmp, admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield [
                ("SQLite", f"sqlite:///{tmp}/bench.db"),
                ("PostgreSQL", POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"),
            ]
        finally:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _percentile(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))]


def _bench_one(
    label: str, url: str, tickets: int, processes: int, client: redis.Redis
) -> list[str]:
    upgrade(url)
    _submit_many(url, 5, offset=10_000_000)  # warm-up: classifier and connection pool
    latencies = _submit_many(url, tickets)
    rows = [
        f"| {label} | submit, 1 process | {tickets} | "
        f"{1 / statistics.mean(latencies):.1f} tickets/s | "
        f"p50 {1000 * statistics.median(latencies):.1f} ms, "
        f"p95 {1000 * _percentile(latencies, 0.95):.1f} ms |"
    ]
    per = tickets // processes
    with ProcessPoolExecutor(processes) as pool:
        runs = list(
            pool.map(
                _submit_many,
                [url] * processes,
                [per] * processes,
                [1_000_000 * (i + 1) for i in range(processes)],
            )
        )
    elapsed = max(sum(run) for run in runs)  # the slowest process's time spent submitting
    concurrent = [latency for run in runs for latency in run]
    service = _service(url)
    with service.sessions() as session:
        total = session.scalar(select(func.count(TicketRow.id)))
        distinct = session.scalar(select(func.count(func.distinct(TicketRow.ticket_id))))
    rows.append(
        f"| {label} | submit, {processes} processes | {per * processes} | "
        f"{per * processes / elapsed:.1f} tickets/s | "
        f"p95 {1000 * _percentile(concurrent, 0.95):.1f} ms; ids unique: {total == distinct} |"
    )
    client.flushdb()
    start, published = time.perf_counter(), 0
    while batch := relay_once(service.sessions, client):
        published += batch
    elapsed = time.perf_counter() - start
    rows.append(
        f"| {label} | outbox relay | {published} rows | "
        f"{published / elapsed:.0f} rows/s | batch 200 |"
    )
    streams = {department_stream(d.code): d.name for d in service.departments}
    start, handled = time.perf_counter(), 0
    while batch := consume_once(client, service.sessions, streams, "bench", block_ms=50):
        handled += batch
    elapsed = time.perf_counter() - start
    rows.append(
        f"| {label} | idempotent consumer | {handled} deliveries | {handled / elapsed:.0f} /s | "
        "one DB insert per delivery |"
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=200)
    parser.add_argument("--processes", type=int, default=4)
    args = parser.parse_args()
    client = redis.Redis.from_url(f"{REDIS_BASE_URL}/2")
    lines = ["| store | step | n | throughput | notes |", "|---|---|---|---|---|"]
    with _databases() as databases:
        for label, url in databases:
            lines += _bench_one(label, url, args.tickets, args.processes, client)
    client.flushdb()
    print("\n".join(lines))


if __name__ == "__main__":
    main()
