"""`/healthz`, `/readyz` and `/metrics` of the ticket worker: a tiny HTTP server in a daemon thread.

healthz: the loop turned within `stall_after_s` (the process is not stuck).
readyz: the last loop step reached Redis and the database (503 with the error otherwise).
metrics: Prometheus text from `feedback.worker_metrics.WorkerMetrics`, when one is given.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class WorkerHealth:
    """What the worker loop reports after each step; read by the probe server."""

    stall_after_s: float = 30.0
    last_turn: float = field(default_factory=time.monotonic)
    last_error: str | None = "starting"
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def step_ok(self) -> None:
        with self._lock:
            self.last_turn, self.last_error = time.monotonic(), None

    def step_failed(self, error: str) -> None:
        with self._lock:
            self.last_turn, self.last_error = time.monotonic(), error

    def probe(self, path: str) -> tuple[int, dict[str, str]]:
        with self._lock:
            stalled = time.monotonic() - self.last_turn > self.stall_after_s
            error = self.last_error
        if path == "/healthz":
            return (503, {"status": "stalled"}) if stalled else (200, {"status": "ok"})
        if path == "/readyz":
            if stalled or error:
                return 503, {"status": "not ready", "reason": "stalled" if stalled else error or ""}
            return 200, {"status": "ok"}
        return 404, {"detail": "unknown path; use /healthz or /readyz"}


PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"


def serve_probes(
    health: WorkerHealth, host: str, port: int, metrics: Callable[[], bytes] | None = None
) -> ThreadingHTTPServer:
    """Start the probe server in a daemon thread and return it (`shutdown()` stops it)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/metrics" and metrics is not None:
                self._send(200, PROMETHEUS_TEXT, metrics())
                return
            status, body = health.probe(path)
            self._send(status, "application/json", json.dumps(body).encode())

        def _send(self, status: int, content_type: str, payload: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *_: object) -> None:  # probes are not logged
            return

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="worker-probes", daemon=True).start()
    return server
