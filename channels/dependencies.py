"""FastAPI dependencies: reach the services built in the lifespan (kept on app.state)."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request

from channels.conversation import ConversationService
from channels.conversation_store import ConversationStore
from govassist.settings import Settings


def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def get_conversations(request: Request) -> ConversationService:
    return request.app.state.conversations  # type: ignore[no-any-return]


def get_store(request: Request) -> ConversationStore:
    return request.app.state.conversation_store  # type: ignore[no-any-return]


SettingsDep = Annotated[Settings, Depends(get_settings)]
ConversationsDep = Annotated[ConversationService, Depends(get_conversations)]
StoreDep = Annotated[ConversationStore, Depends(get_store)]


def require_agent(settings: SettingsDep, authorization: Annotated[str, Header()] = "") -> str:
    """Hotline agent endpoints: `Authorization: Bearer <AGENT_TOKEN>`."""
    token = authorization.removeprefix("Bearer ").strip()
    if not token or not secrets.compare_digest(token, settings.agent_token.get_secret_value()):
        raise HTTPException(
            status_code=401,
            detail="agent token missing or wrong",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return "agent"


AgentDep = Annotated[str, Depends(require_agent)]
