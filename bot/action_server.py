"""`python -m bot.action_server`: rasa-sdk's action server, single process, loopback, redacted logs.

rasa-sdk 3.21 in the main environment; it serves a Rasa 3.6 server fine (with a version warning).
Run in one process (no Sanic worker) so the PII-redacting log filter covers everything.
"""

from __future__ import annotations

import argparse
from typing import Any


def main(argv: list[str] | None = None) -> None:
    from rasa_sdk.endpoint import create_app
    from rasa_sdk.executor import ActionExecutor

    from bot.actions_logging import install_redaction
    from govassist.settings import Settings

    settings = Settings()
    parser = argparse.ArgumentParser(description="govassist custom action server")
    parser.add_argument("--port", type=int, default=settings.actions_port)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    install_redaction(settings.log_level)
    executor = ActionExecutor()
    executor.register_package("bot.actions")
    app = create_app(executor, cors_origins=None)
    add_probes(app)
    app.run(host=args.host, port=args.port, single_process=True, access_log=False, motd=False)


def add_probes(app: Any) -> None:
    """`GET /healthz` (serving), `GET /readyz` (KB and search index loaded), `GET /metrics`."""
    from sanic import response

    from bot.actions.services import get_services

    async def healthz(_: Any) -> Any:
        return response.json({"status": "ok"})

    async def readyz(_: Any) -> Any:
        parts = get_services().readiness()
        ready = all(v == "ok" for v in parts.values())
        body = {"status": "ok" if ready else "loading", "parts": parts}
        return response.json(body, status=200 if ready else 503)

    async def metrics(_: Any) -> Any:
        body = get_services().metrics.render()
        return response.raw(body, content_type="text/plain; version=0.0.4; charset=utf-8")

    app.add_route(healthz, "/healthz", methods=["GET"])
    app.add_route(metrics, "/metrics", methods=["GET"])
    app.add_route(readyz, "/readyz", methods=["GET"])


if __name__ == "__main__":
    main()
