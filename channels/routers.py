"""Every HTTP router the gateway serves."""

from __future__ import annotations

from fastapi import APIRouter

from channels.agent.router import router as agent_router
from channels.hotline.router import router as hotline_router
from channels.metrics import router as metrics_router
from channels.web.router import router as web_router
from channels.wechat.router import router as wechat_router

ROUTERS: tuple[APIRouter, ...] = (web_router, wechat_router, hotline_router, agent_router, metrics_router)
