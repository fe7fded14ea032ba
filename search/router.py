"""`GET /api/search?q=…&top_k=…` → list of hits (the same objects as `govassist search --json`).

The service comes from `request.app.state.search` (set by the gateway). The route is a plain
`def`, so FastAPI runs the CPU work (encoder, FAISS, BM25) in its threadpool.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, cast

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from search.exceptions import InvalidQuery, SearchError
from search.schemas import SearchHit
from search.service import SearchService

MAX_Q_CHARS = 500

router = APIRouter(tags=["search"])


def get_search_service(request: Request) -> SearchService:
    """The SearchService the gateway put on `app.state.search`."""
    service = getattr(request.app.state, "search", None)
    if service is None:
        raise HTTPException(status_code=503, detail="搜索服务尚未就绪 (search index not loaded)")
    return cast("SearchService", service)


SearchDep = Annotated[SearchService, Depends(get_search_service)]


def _invalid_q(msg: str) -> HTTPException:
    """A 422 about the `q` parameter in FastAPI's documented error shape."""
    return HTTPException(422, detail=[{"loc": ["query", "q"], "msg": msg, "type": "value_error"}])


def validate_question(q: str) -> str:
    """The question, or HTTPException 422 with a reason."""
    if len(q) > MAX_Q_CHARS:
        raise _invalid_q(f"问题过长，请控制在{MAX_Q_CHARS}字以内 (q too long)")
    visible = [ch for ch in q if not ch.isspace() and unicodedata.category(ch)[0] != "C"]
    if not visible:
        raise _invalid_q("请输入要查询的问题 (q is empty)")
    return q


@router.get("/api/search", response_model=list[SearchHit])
def search(
    request: Request,
    service: SearchDep,
    q: Annotated[str, Query(description="citizen question", max_length=10_000)] = "",
    top_k: Annotated[int | None, Query(ge=1, le=50, description="default SEARCH_TOP_K")] = None,
) -> list[SearchHit]:
    """Guides answering the question, best first; empty when nothing passes the threshold."""
    question = validate_question(q)
    if not service.is_searchable(question):
        raise _invalid_q("问题中没有可检索的文字 (q has no searchable text)")
    try:
        default: int = getattr(getattr(request.app.state, "settings", None), "search_top_k", 5)
        k = top_k or default
        return service.search(question, top_k=k).hits
    except InvalidQuery as exc:
        raise _invalid_q(f"无法检索该问题：{exc}") from None
    except SearchError as exc:
        raise HTTPException(503, detail="搜索服务暂不可用，请稍后再试或拨打12345") from exc
