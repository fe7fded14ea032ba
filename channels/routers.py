"""Every HTTP router the gateway serves."""

from __future__ import annotations

from fastapi import APIRouter

from channels.web.router import router as web_router

ROUTERS: tuple[APIRouter, ...] = (web_router,)
