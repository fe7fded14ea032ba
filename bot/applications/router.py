"""GET /applications/<token>.html|.pdf: the printable application behind an unguessable link.

The gateway mounts `router` and calls `install(app, settings)` at start-up, which puts an
`ApplicationStore` on `app.state.application_store`.
"""

from __future__ import annotations

import re

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from bot.applications.document import render_html, render_pdf
from bot.applications.store import ApplicationNotFound, ApplicationStore, build_application_store
from govassist.settings import Settings

router = APIRouter(tags=["applications"])
_DOCUMENT = re.compile(r"^(?P<token>[A-Za-z0-9_-]{16,64})\.(?P<fmt>html|pdf)$")
_HEADERS = {
    "Cache-Control": "private, no-store",
    "X-Robots-Tag": "noindex",
    "Referrer-Policy": "no-referrer",
}


async def install(app: FastAPI, settings: Settings) -> None:
    """Attach the application store to the gateway (an installer hook of channels/installers.py)."""
    app.state.application_store = build_application_store(settings)


@router.get("/applications/{document}", summary="printable pre-filled application (HTML or PDF)")
async def application_document(document: str, request: Request) -> Response:
    match = _DOCUMENT.match(document)
    if match is None:
        raise HTTPException(404, "没有找到这份申请表，请检查链接是否完整。")
    store: ApplicationStore = request.app.state.application_store
    try:
        app = await run_in_threadpool(store.by_token, match["token"])
    except ApplicationNotFound:
        raise HTTPException(404, "没有找到这份申请表，请检查链接是否完整。") from None
    if match["fmt"] == "html":
        return HTMLResponse(render_html(app), headers=_HEADERS)
    pdf = await run_in_threadpool(render_pdf, app)
    headers = {**_HEADERS, "Content-Disposition": f'inline; filename="{app.reference}.pdf"'}
    return Response(pdf, media_type="application/pdf", headers=headers)
