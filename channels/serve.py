"""`python -m channels.serve [--host H] [--port P]`: the gateway under uvicorn, hardened.

Every way of running the gateway (the runner, the Procfile, systemd, the container, the tests'
GatewayProcess) starts it through here, so the connection limits hold everywhere:
REQUEST_READ_TIMEOUT_S (whole request, headers and body), KEEP_ALIVE_TIMEOUT_S (idle connection),
and h11's cap on header size. Host and port default to GOVASSIST_HOST / GOVASSIST_PORT.
"""

from __future__ import annotations

import argparse
from functools import partial

import uvicorn

from channels.slow_clients import BoundedH11Protocol
from govassist.settings import Settings

MAX_HEADER_BYTES = 16 * 1024  # h11 refuses (400) a request head larger than this


def server_config(
    settings: Settings, host: str | None = None, port: int | None = None
) -> uvicorn.Config:
    """uvicorn's configuration for the gateway app factory."""
    protocol = partial(BoundedH11Protocol, request_timeout_s=settings.request_read_timeout_s)
    return uvicorn.Config(
        "channels.app:create_app",
        factory=True,
        host=host or settings.govassist_host,
        port=port or settings.govassist_port,
        http=protocol,  # type: ignore[arg-type]
        timeout_keep_alive=settings.keep_alive_timeout_s,  # type: ignore[arg-type]
        h11_max_incomplete_event_size=MAX_HEADER_BYTES,
        access_log=False,  # access lines would carry query strings (sender ids)
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m channels.serve", description=__doc__)
    parser.add_argument("--host", help="bind address (default: GOVASSIST_HOST)")
    parser.add_argument("--port", type=int, help="port (default: GOVASSIST_PORT)")
    args = parser.parse_args(argv)
    uvicorn.Server(server_config(Settings(), args.host, args.port)).run()


if __name__ == "__main__":
    main()
