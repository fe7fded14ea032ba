"""Every HTTP router the gateway serves."""

from __future__ import annotations

from fastapi import APIRouter

from bot.applications.router import router as applications_router
from channels.agent.callbacks import router as callbacks_router
from channels.agent.router import router as agent_router
from channels.hotline.router import router as hotline_router
from channels.metrics import router as metrics_router
from channels.web.router import router as web_router
from channels.wechat.router import router as wechat_router
from feedback.api import ROUTERS as FEEDBACK_ROUTERS
from feedback.open311 import router as open311_router
from search.router import router as search_router

ROUTERS: tuple[APIRouter, ...] = (
    web_router,
    wechat_router,
    hotline_router,
    agent_router,
    callbacks_router,
    metrics_router,
    *FEEDBACK_ROUTERS,
    open311_router,
    search_router,
    applications_router,
)
