"""The composition root of the gateway: every service is built and wired here.

`create_app(settings)` builds a FastAPI app whose lifespan creates the Redis client, the
conversation service (→ Rasa), the search service, the ticket service and the application
store, and mounts the routers of every channel and package.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from redis.asyncio import Redis

from channels.conversation import ConversationService
from channels.conversation_store import ConversationStore
from channels.limits import BodySizeLimitMiddleware
from channels.metrics import GatewayMetrics
from channels.observability import configure_logging, request_id_middleware
from channels.rasa_client import RasaClient
from channels.schemas import Health, Liveness
from channels.texts import load_texts
from channels.web.cors import PublicCORSMiddleware
from channels.web.origins import OriginPolicy
from channels.wechat.router import install_sender
from feedback.privacy import Cipher
from govassist.settings import Settings

log = logging.getLogger("govassist.gateway")
SEARCH_OFF = "off"  # ENCODER=off: a gateway without search (ticket-only deployments, tests)


def _redis_url(settings: Settings) -> str:
    if settings.redis_url:
        return settings.redis_url
    from govassist.embedded_redis import start_embedded_redis

    url, _ = start_embedded_redis(settings.data_dir)
    return url


async def _load_search(app: FastAPI, settings: Settings, retry_s: float = 10.0) -> None:
    """Load (or build) the search index off the event loop; retry until it works (see /healthz)."""
    from search.service import build_search_service

    while True:
        try:
            app.state.search = await asyncio.to_thread(
                build_search_service, settings.kb_dir, settings.resolved_index_dir, settings.encoder
            )
            app.state.search_error = None
            log.info("search.ready")
            return
        except Exception as exc:  # reported by /healthz; the gateway keeps serving what it can
            app.state.search_error = f"{exc.__class__.__name__}: {exc}"
            log.exception("search.failed")
        await asyncio.sleep(retry_s)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    redis_url = _redis_url(settings)
    redis = Redis.from_url(
        redis_url, socket_timeout=2, socket_connect_timeout=2, health_check_interval=15
    )
    rasa = RasaClient(
        settings.rasa_url,
        settings.rasa_timeout_s,
        auth_token=settings.rasa_auth_token.get_secret_value(),
    )
    app.state.redis = redis
    app.state.rasa = rasa
    app.state.texts = load_texts()
    app.state.conversation_store = ConversationStore(
        redis, Cipher(settings.secret_key.get_secret_value())
    )
    app.state.conversations = ConversationService(
        app.state.conversation_store,
        rasa,
        app.state.texts,
        settings.rate_limit_per_minute,
        app.state.metrics,
    )
    app.state.search = None
    app.state.search_error = None
    app.state.redis_url = redis_url
    install_sender(app, settings, redis_url)
    for install in _package_installers():
        await install(app, settings)
    preset = app.state.preset_search
    if preset is None and settings.encoder == SEARCH_OFF:
        app.state.search_error = f"disabled (ENCODER={SEARCH_OFF})"
        search_task = asyncio.create_task(asyncio.sleep(0))
    elif preset is None:
        search_task = asyncio.create_task(_load_search(app, settings))
    else:
        app.state.search = preset
        search_task = asyncio.create_task(asyncio.sleep(0))
    try:
        yield
    finally:
        search_task.cancel()
        for close in getattr(app.state, "on_shutdown", []):
            await close()
        await rasa.aclose()
        await redis.aclose()


def _package_installers() -> list[Any]:
    """Async `install(app, settings)` hooks of the packages that own state (tickets, …)."""
    from channels.installers import INSTALLERS

    return list(INSTALLERS)


async def _health(request: Request) -> JSONResponse:
    state = request.app.state
    parts: dict[str, str] = {}
    try:
        await state.redis.ping()
        parts["redis"] = "ok"
    except Exception as exc:
        parts["redis"] = f"down: {exc.__class__.__name__}"
    parts["search"] = "ok" if state.search is not None else (state.search_error or "loading")
    parts["rasa"] = "ok" if await state.rasa.is_ready() else "not ready"
    for name, check in getattr(state, "health_checks", {}).items():
        parts[name] = await check()
    ready = all(v == "ok" for v in parts.values())
    health = Health(status="ok" if ready else "starting", parts=parts)
    return JSONResponse(health.model_dump(), status_code=200 if ready else 503)


def _error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's documented shape (loc, msg, type), without echoing the (maybe huge) input.
        errors = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
        return JSONResponse({"detail": errors}, status_code=422)

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("gateway.unhandled", exc_info=exc)
        return JSONResponse({"detail": app.state.texts.busy}, status_code=500)


def create_app(settings: Settings | None = None, search: Any = None) -> FastAPI:
    """Build the gateway; reads the environment only when no settings are passed.

    Args:
        settings: configuration; `Settings()` from the environment when omitted.
        search: an already built SearchService to use instead of loading one (tests share one).
    """
    settings = settings or Settings()
    configure_logging(settings.log_level)
    app = FastAPI(
        title="govassist gateway",
        version="0.1.0",
        lifespan=lifespan,
        description="政务服务智能助手: web chat, WeChat, hotline agent assist, tickets, search.",
    )
    app.state.settings = settings
    app.state.preset_search = search
    app.state.metrics = GatewayMetrics()
    app.state.origins = OriginPolicy.build(
        settings.allowed_origins, settings.resolved_public_base_url
    )
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=256 * 1024)
    app.middleware("http")(request_id_middleware)
    app.add_middleware(PublicCORSMiddleware, policy=app.state.origins)  # outermost
    _error_handlers(app)
    not_ready = {503: {"model": Health, "description": "a part is not ready yet"}}
    for path, summary in (
        ("/healthz", "ready when every part is"),
        ("/readyz", "same as /healthz"),
    ):
        app.add_api_route(
            path,
            _health,
            methods=["GET"],
            tags=["health"],
            summary=summary,
            response_model=Health,
            responses=not_ready,  # type: ignore[arg-type]
        )
    app.add_api_route(
        "/livez", lambda: Liveness(), methods=["GET"], tags=["health"], response_model=Liveness
    )
    from channels.routers import ROUTERS

    for router in ROUTERS:
        app.include_router(router)
    return app
