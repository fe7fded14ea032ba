"""Open311 GeoReport v2: services from the departments catalogue, requests as tickets.

Statuses map to the spec's two values: 办结 → closed, everything else → open.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Path, Query
from fastapi.responses import JSONResponse
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from feedback.api import TicketsDep, _call
from feedback.db import TicketRow
from feedback.privacy import Cipher, redact
from feedback.retention import PSEUDONYM_PREFIX
from feedback.schemas import FeedbackCreate, Status
from feedback.service import TicketService

router = APIRouter(prefix="/open311/v2", tags=["Open311 GeoReport v2"])
ANONYMOUS = "open311-anonymous"
SENDER_PREFIX = "h:"  # sender ids of Open311 tickets: a keyed hash of the reporter's contact


def _error(code: int, description: str) -> JSONResponse:
    return JSONResponse([{"code": code, "description": description}], status_code=code)


@router.get("/services.json")
async def services(tickets: TicketsDep) -> list[dict[str, Any]]:
    """One service per department of the catalogue."""
    return [
        {
            "service_code": d.code,
            "service_name": d.name,
            "description": d.duties,
            "metadata": False,
            "type": "realtime",
            "keywords": ",".join(d.keywords),
            "group": "示例市12345",
        }
        for d in tickets.departments
    ]


@router.post("/requests.json", status_code=201, response_model=None)
async def create_request(
    tickets: TicketsDep,
    service_code: Annotated[str, Form(max_length=40)],
    description: Annotated[str, Form(min_length=2, max_length=4000)],
    lat: Annotated[float | None, Form(ge=-90, le=90)] = None,
    long: Annotated[float | None, Form(ge=-180, le=180)] = None,
    address_string: Annotated[str | None, Form(max_length=200)] = None,
    email: Annotated[str | None, Form(max_length=100)] = None,
    phone: Annotated[str | None, Form(max_length=30)] = None,
    device_id: Annotated[str | None, Form(max_length=100)] = None,
) -> Any:
    """Create a service request (a ticket) for the given department."""
    if tickets.department(service_code) is None:
        return _error(400, f"unknown service_code '{service_code}'")
    if address_string is None and (lat is None or long is None):
        return _error(400, "a location is required: lat and long, or address_string")
    location = address_string or f"{lat:.6f},{long:.6f}"
    sender = sender_id(tickets.cipher, email or phone or device_id)
    create = FeedbackCreate(
        text=description,
        channel="open311",
        sender_id=sender,
        location=location,
        contact=phone or email,
    )
    ticket = await _call(tickets.submit, create, service_code)
    return [
        {
            "service_request_id": ticket.ticket_id,
            "service_notice": f"已受理，承办部门：{ticket.department or '待派单'}",
            "account_id": None,
        }
    ]


def sender_id(cipher: Cipher, contact: str | None) -> str:
    """The sender id of an Open311 ticket: a keyed hash of the e-mail, phone or device id (the
    contact itself is stored encrypted), so one reporter's requests still share a sender id."""
    return SENDER_PREFIX + cipher.keyed_hash(contact.strip().lower()) if contact else ANONYMOUS


def hash_stored_senders(sessions: sessionmaker[Session], cipher: Cipher) -> int:
    """Replace raw contacts kept as sender ids by earlier versions with their keyed hash;
    idempotent, returns how many sender ids changed."""
    with sessions.begin() as session:
        raw = session.scalars(
            select(TicketRow.sender_id)
            .where(TicketRow.channel == "open311", TicketRow.sender_id != ANONYMOUS)
            .where(~TicketRow.sender_id.startswith(SENDER_PREFIX))
            .where(~TicketRow.sender_id.startswith(PSEUDONYM_PREFIX))  # purged already
            .distinct()
        ).all()
        for value in raw:
            session.execute(
                update(TicketRow)
                .where(TicketRow.channel == "open311", TicketRow.sender_id == value)
                .values(sender_id=sender_id(cipher, value))
            )
    return len(raw)


def _as_request(service: TicketService, row: TicketRow) -> dict[str, Any]:
    dept = service.department(row.department or "")
    return {
        "service_request_id": row.ticket_id,
        "status": "closed" if row.status == Status.CLOSED.value else "open",
        "status_notes": row.latest_reply or row.status,
        "service_name": dept.name if dept else None,
        "service_code": dept.code if dept else None,
        # public and unauthenticated: no phone or ID numbers
        "description": redact(service.text_of(row)),
        "agency_responsible": row.department,
        "service_notice": None,
        "requested_datetime": row.created_at.isoformat(),
        "updated_datetime": None,
        "expected_datetime": row.due_at.isoformat() if row.due_at else None,
        "address": None,  # personal data: not published
        "lat": None,
        "long": None,
        "media_url": None,
    }


def _list(
    service: TicketService, ticket_ids: list[str], code: str | None, status: str | None
) -> list[dict[str, Any]]:
    with service.sessions() as session:
        query = select(TicketRow).order_by(TicketRow.id.desc()).limit(1000)
        if ticket_ids:
            query = query.where(TicketRow.ticket_id.in_(ticket_ids))
        if code:
            dept = service.department(code)
            query = query.where(TicketRow.department == (dept.name if dept else "?"))
        rows = session.scalars(query).all()
        out = [_as_request(service, r) for r in rows]
    return [r for r in out if status is None or r["status"] == status]


@router.get("/requests.json")
async def list_requests(
    tickets: TicketsDep,
    service_request_id: Annotated[str | None, Query(max_length=400)] = None,
    service_code: Annotated[str | None, Query(max_length=40)] = None,
    status: Annotated[str | None, Query(pattern="^(open|closed)$")] = None,
) -> list[dict[str, Any]]:
    """Requests, newest first (at most 1000), filtered by ids, service or status."""
    ids = [i.strip() for i in (service_request_id or "").split(",") if i.strip()]
    return await _call(_list, tickets, ids, service_code, status)  # type: ignore[no-any-return]


@router.get("/requests/{request_id}.json")
async def get_request(
    tickets: TicketsDep, request_id: Annotated[str, Path(pattern=r"^GD\d{12,14}$")]
) -> Any:
    found = await _call(_list, tickets, [request_id], None, None)
    if not found:
        raise HTTPException(status_code=404, detail="service request not found")
    return found
