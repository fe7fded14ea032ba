"""HTTP API of the feedback loop: citizens, departments (own tickets only), dispatchers."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Header, HTTPException, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as SQLTimeoutError

from feedback.exceptions import IllegalTransition, RatingNotAllowed, TicketNotFound
from feedback.lifecycle import Action
from feedback.oversight import department_stats, hot_topics
from feedback.schemas import (
    Deadline,
    DispatchBody,
    ExtensionBody,
    FeedbackCreate,
    RatingBody,
    ReasonBody,
    ReplyBody,
    TicketDepartmentView,
    TicketPublic,
)
from feedback.service import TicketService
from knowledge.schema import Department

TicketId = Annotated[
    str, PathParam(pattern=r"^GD\d{8}\d{4,6}$", description="ticket number, e.g. GD202611250001")
]
citizen = APIRouter(tags=["tickets (citizens)"])
department = APIRouter(prefix="/api/department", tags=["tickets (departments)"])
dispatch = APIRouter(prefix="/api/dispatch", tags=["tickets (12345 dispatch)"])
CONSOLE = Path(__file__).with_name("console.html")


def get_tickets(request: Request) -> TicketService:
    service = getattr(request.app.state, "tickets", None)
    if service is None:
        raise HTTPException(status_code=503, detail="ticket service is starting, try again shortly")
    return service  # type: ignore[no-any-return]


TicketsDep = Annotated[TicketService, Depends(get_tickets)]


def _bearer(authorization: str) -> str:
    return authorization.removeprefix("Bearer ").strip()


def current_department(
    request: Request, tickets: TicketsDep, authorization: Annotated[str, Header()] = ""
) -> Department:
    """The department whose token is presented (constant-time comparison)."""
    token = _bearer(authorization)
    settings = request.app.state.settings
    configured = settings.department_token_map()
    candidates = configured or {f"{d.code}-dev-token": d.code for d in tickets.departments}
    for known, code in candidates.items():
        if token and secrets.compare_digest(token, known):
            found = tickets.department(code)
            if found is not None:
                return found
    raise HTTPException(
        status_code=401,
        detail="department token missing or wrong",
        headers={"WWW-Authenticate": "Bearer"},
    )


def require_dispatcher(request: Request, authorization: Annotated[str, Header()] = "") -> str:
    token = _bearer(authorization)
    if not token or not secrets.compare_digest(
        token, request.app.state.settings.dispatch_token.get_secret_value()
    ):
        raise HTTPException(
            status_code=401,
            detail="dispatcher token missing or wrong",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return "dispatcher"


DepartmentDep = Annotated[Department, Depends(current_department)]
DispatcherDep = Annotated[str, Depends(require_dispatcher)]


async def _call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a blocking service call in the threadpool, mapping domain errors to HTTP."""
    try:
        return await anyio.to_thread.run_sync(lambda: fn(*args, **kwargs))
    except TicketNotFound:
        raise HTTPException(status_code=404, detail="ticket not found") from None
    except (IllegalTransition, RatingNotAllowed) as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from None
    except (OperationalError, InterfaceError, SQLTimeoutError):
        raise HTTPException(
            status_code=503,
            detail="工单系统暂时不可用，请稍后再试或拨打12345",
            headers={"Retry-After": "10"},
        ) from None


# --- citizens ------------------------------------------------------------------------------
@citizen.post(
    "/api/feedback",
    status_code=201,
    response_model=TicketPublic,
    response_model_include={"ticket_id", "kind", "department", "status", "due_at"},
)
async def submit_feedback(body: FeedbackCreate, tickets: TicketsDep) -> TicketPublic:
    """File a complaint, suggestion, consultation, praise or report; routed to a department."""
    return await _call(tickets.submit, body)  # type: ignore[no-any-return]


@citizen.get("/api/tickets/{ticket_id}", response_model=TicketPublic)
async def get_ticket(ticket_id: TicketId, tickets: TicketsDep) -> TicketPublic:
    """The citizen's view of a ticket: status, department, deadline, history, latest reply."""
    return await _call(tickets.get_public, ticket_id)  # type: ignore[no-any-return]


@citizen.post("/api/tickets/{ticket_id}/rating", response_model=TicketPublic)
async def rate_ticket(ticket_id: TicketId, body: RatingBody, tickets: TicketsDep) -> TicketPublic:
    """满意 / 基本满意 / 不满意, once, after the department's answer."""
    return await _call(tickets.rate, ticket_id, body.rating, body.comment)  # type: ignore[no-any-return]


@citizen.get("/api/hot-topics")
async def get_hot_topics(tickets: TicketsDep, days: int = 7) -> dict[str, Any]:
    """Matters reported repeatedly in the last `days` days."""
    if not 1 <= days <= 90:
        raise HTTPException(
            status_code=422,
            detail=[
                {
                    "loc": ["query", "days"],
                    "msg": "days must be between 1 and 90",
                    "type": "value_error",
                }
            ],
        )
    return {"topics": await _call(hot_topics, tickets, days)}


# --- departments ---------------------------------------------------------------------------
@department.get("/tickets", response_model=list[TicketDepartmentView])
async def my_queue(
    dept: DepartmentDep,
    tickets: TicketsDep,
    include_closed: bool = False,
    deadline: Deadline | None = None,
) -> Any:
    """This department's tickets, earliest deadline first; `deadline` (正常, 即将超期, 已超期)
    keeps only the open tickets in that state."""
    return await _call(tickets.queue, dept.name, include_closed, deadline)


@department.get("/tickets/{ticket_id}", response_model=TicketDepartmentView)
async def my_ticket(ticket_id: TicketId, dept: DepartmentDep, tickets: TicketsDep) -> Any:
    return await _call(tickets.department_ticket, ticket_id, dept.name)


@department.post("/tickets/{ticket_id}/contact")
async def reveal_contact(
    ticket_id: TicketId, dept: DepartmentDep, tickets: TicketsDep
) -> dict[str, Any]:
    """The citizen's unmasked contact, to reply by phone (audited)."""
    return {
        "contact": await _call(tickets.reveal_contact, ticket_id, dept.name, f"dept:{dept.code}")
    }


def _action_route(path: str, action: Action, summary: str) -> None:
    @department.post(
        f"/tickets/{{ticket_id}}/{path}", response_model=TicketDepartmentView, summary=summary
    )
    async def endpoint(ticket_id: TicketId, dept: DepartmentDep, tickets: TicketsDep) -> Any:
        return await _call(tickets.act, ticket_id, dept.name, action, f"dept:{dept.code}")


_action_route("accept", Action.ACCEPT, "签收: accept the ticket")
_action_route("start", Action.START, "办理中: start handling")
_action_route("close", Action.CLOSE, "办结: close after answering")


@department.post("/tickets/{ticket_id}/reply", response_model=TicketDepartmentView, summary="答复")
async def reply(
    ticket_id: TicketId, body: ReplyBody, dept: DepartmentDep, tickets: TicketsDep
) -> Any:
    return await _call(
        tickets.act, ticket_id, dept.name, Action.REPLY, f"dept:{dept.code}", body.text
    )


@department.post(
    "/tickets/{ticket_id}/return", response_model=TicketDepartmentView, summary="退回: not ours"
)
async def return_ticket(
    ticket_id: TicketId, body: ReasonBody, dept: DepartmentDep, tickets: TicketsDep
) -> Any:
    return await _call(
        tickets.act, ticket_id, dept.name, Action.RETURN, f"dept:{dept.code}", body.reason
    )


@department.post(
    "/tickets/{ticket_id}/extension", response_model=TicketDepartmentView, summary="延期申请"
)
async def request_extension(
    ticket_id: TicketId, body: ExtensionBody, dept: DepartmentDep, tickets: TicketsDep
) -> Any:
    return await _call(
        tickets.act,
        ticket_id,
        dept.name,
        Action.REQUEST_EXTENSION,
        f"dept:{dept.code}",
        body.reason,
        body.days,
    )


@department.get("/stats")
async def my_stats(dept: DepartmentDep, tickets: TicketsDep) -> dict[str, Any]:
    """三率 (response, resolution, satisfaction) and overdue count of this department."""
    stats = await _call(department_stats, tickets, dept.name)
    return (
        stats[0]
        if stats
        else {
            "department": dept.name,
            "total": 0,
            "response_rate": None,
            "resolution_rate": None,
            "satisfaction_rate": None,
            "overdue": 0,
        }
    )


@department.get("/me")
async def whoami(dept: DepartmentDep) -> dict[str, str]:
    return {"code": dept.code, "name": dept.name}


# --- 12345 dispatchers ---------------------------------------------------------------------
@dispatch.get("/queue", response_model=list[TicketDepartmentView])
async def manual_queue(_: DispatcherDep, tickets: TicketsDep) -> Any:
    """人工派单 queue and pending extension requests."""
    return await _call(tickets.manual_queue)


@dispatch.get("/tickets", response_model=list[TicketDepartmentView])
async def department_tickets(
    _: DispatcherDep,
    tickets: TicketsDep,
    department: str | None = None,
    deadline: Deadline | None = None,
) -> Any:
    """Open tickets already with departments, earliest deadline first (to find what to 督办);
    `department` keeps one department's, `deadline` (正常, 即将超期, 已超期) one state."""
    name = None
    if department is not None:
        found = tickets.department(department)  # by name or by code
        if found is None:
            raise HTTPException(status_code=422, detail=f"unknown department '{department}'")
        name = found.name
    return await _call(tickets.department_tickets, name, deadline)


@dispatch.post("/tickets/{ticket_id}/dispatch", response_model=TicketDepartmentView)
async def dispatch_ticket(
    ticket_id: TicketId, body: DispatchBody, _: DispatcherDep, tickets: TicketsDep
) -> Any:
    if tickets.department(body.department) is None:
        raise HTTPException(status_code=422, detail=f"unknown department '{body.department}'")
    return await _call(tickets.dispatch, ticket_id, body.department, "dispatcher")


@dispatch.post("/tickets/{ticket_id}/escalate", response_model=TicketDepartmentView)
async def escalate_ticket(
    ticket_id: TicketId, body: ReasonBody, _: DispatcherDep, tickets: TicketsDep
) -> Any:
    """督办: press the department on a ticket it still owes an answer to (409 otherwise)."""
    return await _call(tickets.escalate, ticket_id, "dispatcher", body.reason)


@dispatch.post("/tickets/{ticket_id}/extension/{decision}", response_model=TicketDepartmentView)
async def decide_extension(
    ticket_id: TicketId,
    decision: Annotated[str, PathParam(pattern="^(approve|deny)$")],
    _: DispatcherDep,
    tickets: TicketsDep,
) -> Any:
    return await _call(tickets.decide_extension, ticket_id, decision == "approve", "dispatcher")


@dispatch.get("/stats")
async def all_stats(_: DispatcherDep, tickets: TicketsDep) -> dict[str, Any]:
    return {"departments": await _call(department_stats, tickets)}


@citizen.get("/console/department", response_class=HTMLResponse, include_in_schema=False)
async def console_page() -> HTMLResponse:
    """The department console (queue, actions, statistics chart)."""
    return HTMLResponse(CONSOLE.read_text(encoding="utf-8"))


ROUTERS = (citizen, department, dispatch)
