"""Routing: which kind a citizen's message is and which department must handle it."""

from feedback.routing.model import Router, load_router

__all__ = ["Router", "load_router"]
