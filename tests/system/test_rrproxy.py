"""scripts/rrproxy.py as a real process in front of two tiny upstream HTTP servers."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.integration.servers import free_port
from tests.system.stack import Service, proxy_counts, proxy_service


@pytest.fixture()
def two_upstreams(tmp_path: Path) -> Iterator[list[str]]:
    services = []
    for name in ("one", "two"):
        root = tmp_path / name
        root.mkdir()
        (root / "who.txt").write_text(name)
        port = free_port()
        svc = Service(
            name,
            [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
            {},
            root,
            tmp_path / f"{name}.log",
            f"http://127.0.0.1:{port}/who.txt",
            timeout=30,
        )
        svc.start()
        services.append(svc)
    yield [s.ready_url.rsplit("/", 1)[0] for s in services if s.ready_url]
    for svc in services:
        svc.stop()


def test_requests_alternate_and_are_counted(two_upstreams: list[str], tmp_path: Path) -> None:
    proxy, url = proxy_service(two_upstreams, tmp_path, "proxy")
    proxy.start()
    try:
        seen = [httpx.get(f"{url}/who.txt?x=1", timeout=10).text for _ in range(6)]
        assert seen in (["one", "two"] * 3, ["two", "one"] * 3)
        assert (
            httpx.get(f"{url}/missing", timeout=10).status_code == 404
        )  # upstream status passes through
        assert sorted(proxy_counts(url).values()) == [3, 4]
    finally:
        proxy.stop()


def test_dead_upstream_gives_502_with_reason(two_upstreams: list[str], tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    proxy, url = proxy_service([two_upstreams[0], dead], tmp_path, "proxy")
    proxy.start()
    try:
        statuses = [httpx.get(f"{url}/who.txt", timeout=10) for _ in range(2)]
        assert sorted(r.status_code for r in statuses) == [200, 502]
        assert "unavailable" in next(r for r in statuses if r.status_code == 502).json()["detail"]
    finally:
        proxy.stop()


def test_cli_rejects_bad_upstream() -> None:
    script = Path(__file__).resolve().parents[2] / "scripts" / "rrproxy.py"
    result = subprocess.run(
        [sys.executable, str(script), "--port", "1", "--upstream", "localhost:5005"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2 and "http(s) base URLs" in result.stderr
