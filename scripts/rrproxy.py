"""A tiny round-robin HTTP reverse proxy for local scale-out tests and demos.

Listens on a loopback port and sends each request to the next of N upstream base URLs in turn
(strict alternation, no health checks: a failing upstream answers 502 with a reason). It keeps a
per-upstream counter, served as JSON at `GET /__rrproxy/stats`, and logs one line per request
to stderr.

    python scripts/rrproxy.py --port 8100 --upstream http://127.0.0.1:5005 --upstream http://127.0.0.1:5006
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

STATS_PATH = "/__rrproxy/stats"
# hop-by-hop headers (RFC 9110 §7.6.1) plus those httpx recomputes
_DROP = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
    "transfer-encoding", "upgrade", "host", "content-length", "content-encoding",
}  # fmt: skip


@dataclass
class RoundRobin:
    """The upstream rotation and what each upstream has served."""

    upstreams: list[str]
    served: dict[str, int] = field(default_factory=dict)
    failed: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.upstreams = [u.rstrip("/") for u in self.upstreams]
        self._cycle = itertools.cycle(self.upstreams)
        self.served = dict.fromkeys(self.upstreams, 0)
        self.failed = dict.fromkeys(self.upstreams, 0)

    def next(self) -> str:
        return next(self._cycle)


def create_app(
    upstreams: Sequence[str], timeout_s: float = 120.0, quiet: bool = False
) -> Starlette:
    """The proxy as an ASGI app (one httpx.AsyncClient for its lifetime)."""
    if not upstreams:
        raise ValueError("at least one upstream is needed")
    rr = RoundRobin(list(upstreams))
    state: dict[str, httpx.AsyncClient] = {}

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        async with httpx.AsyncClient(timeout=timeout_s, follow_redirects=False) as client:
            state["client"] = client
            yield

    async def stats(_: Request) -> JSONResponse:
        return JSONResponse({"served": rr.served, "failed": rr.failed})

    async def proxy(request: Request) -> Response:
        upstream = rr.next()
        url = upstream + request.url.path + (f"?{request.url.query}" if request.url.query else "")
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _DROP}
        body = await request.body()
        try:
            reply = await state["client"].request(
                request.method, url, headers=headers, content=body
            )
        except httpx.HTTPError as exc:
            rr.failed[upstream] += 1
            if not quiet:
                print(
                    f"rrproxy {request.method} {request.url.path} -> {upstream} FAILED {exc!r}",
                    file=sys.stderr,
                )
            return JSONResponse(
                {"detail": f"upstream {upstream} unavailable: {exc.__class__.__name__}"}, 502
            )
        rr.served[upstream] += 1
        if not quiet:
            print(
                f"rrproxy {request.method} {request.url.path} -> {upstream} {reply.status_code}",
                file=sys.stderr,
            )
        out_headers = {k: v for k, v in reply.headers.items() if k.lower() not in _DROP}
        return Response(reply.content, status_code=reply.status_code, headers=out_headers)

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
    app = Starlette(
        routes=[
            Route(STATS_PATH, stats, methods=["GET"]),
            Route("/{path:path}", proxy, methods=methods),
        ],
        lifespan=lifespan,
    )
    app.state.round_robin = rr
    return app


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Round-robin HTTP reverse proxy (loopback).")
    parser.add_argument("--port", type=int, required=True, help="port to listen on")
    parser.add_argument("--host", default="127.0.0.1", help="interface (default: loopback only)")
    parser.add_argument(
        "--upstream", action="append", required=True, help="upstream base URL; repeat"
    )
    parser.add_argument("--timeout", type=float, default=120.0, help="upstream timeout in seconds")
    parser.add_argument("--quiet", action="store_true", help="no per-request log line")
    args = parser.parse_args(argv)
    bad = [u for u in args.upstream if not u.startswith(("http://", "https://"))]
    if bad:
        parser.error(f"upstreams must be http(s) base URLs: {', '.join(bad)}")
    import uvicorn

    app = create_app(args.upstream, args.timeout, args.quiet)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
