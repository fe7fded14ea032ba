"""TicketService: classify → route → store with an outbox row → (relay) → department; and back.

Every status change goes through `lifecycle.next_status`, is written to the audit trail with
actor and time, and queues a notice for the citizen in the same transaction.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from feedback.db import AuditRow, CallbackRow, OutboxRow, TicketRow
from feedback.deadlines import add_working_days, due_for, working_days_left
from feedback.exceptions import RatingNotAllowed, TicketNotFound
from feedback.lifecycle import ESCALATABLE, OPEN_STATUSES, Action, next_status
from feedback.numbering import next_ticket_id
from feedback.privacy import Cipher, mask_phone
from feedback.schemas import (
    Deadline,
    FeedbackCreate,
    Kind,
    RoutingDecision,
    Satisfaction,
    Status,
    TicketDepartmentView,
    TicketEvent,
    TicketPublic,
)
from feedback.topics import find_topic
from knowledge.schema import Department

NOTIFY_STREAM = "govassist:notifications"
PUSH_CHANNELS = ("web", "wechat")  # the others (hotline, api, open311) get a callback (回访)
MAX_RETURNS = 3
MAX_DEPARTMENTS = 3
NEAR_DEADLINE_DAYS = 1  # 即将超期: due today or on the next working day
TEXTS: dict[str, str] = yaml.safe_load(
    Path(__file__).with_name("texts.yml").read_text(encoding="utf-8")
)


def department_stream(code: str) -> str:
    return f"govassist:dept:{code}"


class Classifier(Protocol):
    def predict(self, text: str) -> RoutingDecision: ...


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class TicketService:
    """The feedback loop's domain operations; thread-safe (one DB session per call)."""

    sessions: sessionmaker  # type: ignore[type-arg]
    classifier: Classifier
    departments: tuple[Department, ...]
    cipher: Cipher
    clock: Callable[[], datetime] = utcnow
    deadline_days: dict[Kind, int] = field(default_factory=dict)
    on_correction: Callable[[str, str, str, str], None] | None = None
    # Called with every routing decision of a new ticket (e.g. a metrics histogram of confidence).
    on_routed: Callable[[RoutingDecision], None] | None = None

    # --- lookups -------------------------------------------------------------------------
    def department(self, name_or_code: str) -> Department | None:
        return next((d for d in self.departments if name_or_code in (d.name, d.code)), None)

    def text_of(self, row: TicketRow) -> str:
        """The citizen's words of a ticket (stored encrypted)."""
        return self.cipher.reveal(row.text_enc)

    def _row(self, session: Session, ticket_id: str, department: str | None = None) -> TicketRow:
        row = session.scalar(select(TicketRow).where(TicketRow.ticket_id == ticket_id))
        if row is None or (department is not None and row.department != department):
            raise TicketNotFound(ticket_id)
        return row

    # --- citizen side --------------------------------------------------------------------
    def submit(
        self,
        create: FeedbackCreate,
        department_hint: str | None = None,
        kind_hint: Kind | None = None,
    ) -> TicketPublic:
        """Create a ticket and route it (or queue it for manual dispatch).

        A hint (e.g. a hotline agent's edited draft) wins over the classifier's decision.
        """
        decision = self.classifier.predict(create.text)
        kind = kind_hint or decision.kind
        if self.on_routed is not None:
            self.on_routed(decision)
        now = self.clock()
        hinted = self.department(department_hint) if department_hint else None
        with self.sessions.begin() as session:
            row = TicketRow(
                ticket_id=next_ticket_id(session, now),
                kind=kind.value,
                status=Status.RECEIVED.value,
                department=None,
                channel=create.channel,
                sender_id=create.sender_id,
                text_enc=self.cipher.encrypt(create.text),
                location_enc=self.cipher.encrypt(create.location) if create.location else None,
                contact_enc=self.cipher.encrypt(create.contact) if create.contact else None,
                confidence=decision.confidence,
                alternatives=[a.model_dump() for a in decision.alternatives],
                departments_tried=[],
                created_at=now,
                due_at=due_for(kind, now, self.deadline_days),
            )
            session.add(row)
            session.flush()
            self._audit(session, row, "system", "receive", None, Status.RECEIVED, create.channel)
            self._notify(session, row, "received")
            target = hinted or (None if decision.manual else self.department(decision.department))
            if target is None:
                self._move(
                    session,
                    row,
                    Action.TO_MANUAL,
                    "router",
                    f"置信度 {decision.confidence:.2f}，转人工派单",
                )
                self._notify(session, row, "manual")
            else:
                self._dispatch(session, row, target, "router")
            # unreadable old texts (another SECRET_KEY) are skipped, never block a new ticket
            similar = find_topic(
                session, create.text, row.department, now, self.cipher.readable, row.ticket_id
            )
            row.topic_id = similar or row.ticket_id
            return self._public(session, row)

    def get_public(self, ticket_id: str) -> TicketPublic:
        with self.sessions() as session:
            return self._public(session, self._row(session, ticket_id))

    def recent_for_sender(self, channel: str, sender_id: str, limit: int = 5) -> list[TicketPublic]:
        with self.sessions() as session:
            rows = session.scalars(
                select(TicketRow)
                .where(TicketRow.channel == channel, TicketRow.sender_id == sender_id)
                .order_by(TicketRow.id.desc())
                .limit(limit)
            ).all()
            return [self._public(session, r) for r in rows]

    def rate(self, ticket_id: str, rating: Satisfaction, comment: str = "") -> TicketPublic:
        """Store the citizen's satisfaction rating, once, after the answer."""
        with self.sessions.begin() as session:
            row = self._row(session, ticket_id)
            self._rate(session, row, rating, comment, "citizen")
            return self._public(session, row)

    def _rate(
        self, session: Session, row: TicketRow, rating: Satisfaction, comment: str, actor: str
    ) -> None:
        if row.status not in (Status.ANSWERED.value, Status.CLOSED.value):
            raise RatingNotAllowed("评价须在工单答复后进行")
        if row.rating is not None:
            raise RatingNotAllowed("该工单已评价")
        row.rating = Satisfaction(rating).value
        row.rating_comment = self.cipher.encrypt(comment) if comment else None  # may name people
        self._audit(
            session,
            row,
            actor,
            "rate",
            Status(row.status),
            Status(row.status),
            row.rating or "",
            public=False,
        )
        if row.status == Status.ANSWERED.value:
            self._move(session, row, Action.CLOSE, actor, "市民评价后办结")
            self._notify(session, row, "rated_closed")  # "closed" would ask for a rating again

    # --- department side -----------------------------------------------------------------
    def queue(
        self, department: str, include_closed: bool = False, deadline: Deadline | None = None
    ) -> list[TicketDepartmentView]:
        """A department's tickets, earliest deadline first; only those in `deadline` if given."""
        with self.sessions() as session:
            query = select(TicketRow).where(TicketRow.department == department)
            if not include_closed:
                query = query.where(TicketRow.status != Status.CLOSED.value)
            if deadline is not None:
                owing = [s.value for s in ESCALATABLE]
                query = query.where(TicketRow.status.in_(owing), TicketRow.due_at.is_not(None))
            rows = session.scalars(query.order_by(TicketRow.due_at)).all()
            views = [self._department_view(session, r) for r in rows]
            return [v for v in views if deadline is None or v.deadline is deadline]

    def department_tickets(
        self, department: str | None = None, deadline: Deadline | None = None, limit: int = 500
    ) -> list[TicketDepartmentView]:
        """Dispatchers' view of tickets already with departments (open ones, earliest deadline
        first), optionally one department's or those in one deadline state."""
        with self.sessions() as session:
            query = select(TicketRow).where(
                TicketRow.department.is_not(None),
                TicketRow.status.in_([s.value for s in ESCALATABLE]),
            )
            if department is not None:
                query = query.where(TicketRow.department == department)
            rows = session.scalars(query.order_by(TicketRow.due_at, TicketRow.id)).all()
            views = [self._department_view(session, r) for r in rows]
        return [v for v in views if deadline is None or v.deadline is deadline][:limit]

    def department_ticket(self, ticket_id: str, department: str) -> TicketDepartmentView:
        with self.sessions() as session:
            return self._department_view(session, self._row(session, ticket_id, department))

    def reveal_contact(self, ticket_id: str, department: str | None, actor: str) -> str | None:
        """The unmasked contact, for replying (a department's own ticket; any ticket when
        `department` is None, for hotline agents' callbacks); every reveal is audited."""
        with self.sessions.begin() as session:
            row = self._row(session, ticket_id, department)
            self._audit(
                session,
                row,
                actor,
                "reveal_contact",
                Status(row.status),
                Status(row.status),
                "",
                public=False,
            )
            return self.cipher.decrypt(row.contact_enc) if row.contact_enc else None

    def act(
        self,
        ticket_id: str,
        department: str,
        action: Action,
        actor: str,
        note: str = "",
        extra_days: int = 0,
    ) -> TicketDepartmentView:
        """A department's action on its own ticket (accept, start, reply, return, extend, close)."""
        with self.sessions.begin() as session:
            row = self._row(session, ticket_id, department)
            if action is Action.RETURN:
                self._return(session, row, actor, note)
            else:
                self._move(session, row, action, actor, note)
                self._after_department_action(session, row, action, note, extra_days)
            return self._department_view(session, row)

    def _after_department_action(
        self, session: Session, row: TicketRow, action: Action, note: str, extra_days: int
    ) -> None:
        if action is Action.ACCEPT:
            self._record_correction(row)
            self._notify(session, row, "accepted")
        elif action is Action.START:
            self._notify(session, row, "in_progress")
        elif action is Action.REPLY:
            row.latest_reply = note
            self._notify(session, row, "answered", reply=note)
            if row.channel not in PUSH_CHANNELS and not _callback_pending(session, row):
                session.add(CallbackRow(ticket_id=row.ticket_id, created_at=self.clock()))
        elif action is Action.CLOSE:
            self._notify(session, row, "closed")
        elif action is Action.REQUEST_EXTENSION:
            row.alternatives = [*row.alternatives, {"extension_days": extra_days}]

    # --- dispatcher side -----------------------------------------------------------------
    def manual_queue(self) -> list[TicketDepartmentView]:
        with self.sessions() as session:
            rows = session.scalars(
                select(TicketRow)
                .where(
                    TicketRow.status.in_([Status.MANUAL.value, Status.EXTENSION_REQUESTED.value])
                )
                .order_by(TicketRow.id)
            ).all()
            return [self._department_view(session, r) for r in rows]

    def dispatch(self, ticket_id: str, department_name: str, actor: str) -> TicketDepartmentView:
        target = self.department(department_name)
        if target is None:
            raise TicketNotFound(f"unknown department '{department_name}'")
        with self.sessions.begin() as session:
            row = self._row(session, ticket_id)
            self._dispatch(session, row, target, actor)
            return self._department_view(session, row)

    def escalate(self, ticket_id: str, actor: str, reason: str) -> TicketDepartmentView:
        """督办 by a dispatcher: flags the ticket and tells its department (audited)."""
        with self.sessions.begin() as session:
            row = self._row(session, ticket_id)
            self._move(session, row, Action.ESCALATE, actor, f"督办：{reason}")
            self._tell_department(session, row, "ticket.escalated")
            return self._department_view(session, row)

    def _tell_department(self, session: Session, row: TicketRow, event: str) -> None:
        target = self.department(row.department or "")
        if target is None:
            return
        payload = {"event": event, "ticket_id": row.ticket_id, "department": target.name}
        if row.due_at is not None:
            payload["due_at"] = _aware(row.due_at).isoformat()
        session.add(
            OutboxRow(
                stream=department_stream(target.code), created_at=self.clock(), payload=payload
            )
        )

    def decide_extension(self, ticket_id: str, approve: bool, actor: str) -> TicketDepartmentView:
        with self.sessions.begin() as session:
            row = self._row(session, ticket_id)
            days = next(
                (
                    a.get("extension_days", 0)
                    for a in reversed(row.alternatives)
                    if "extension_days" in a
                ),
                0,
            )
            self._move(
                session,
                row,
                Action.APPROVE_EXTENSION if approve else Action.DENY_EXTENSION,
                actor,
                f"延期{days}个工作日" if approve else "延期申请未批准",
            )
            if approve and row.due_at is not None:
                row.due_at = add_working_days(_aware(row.due_at), int(days)).astimezone(UTC)
                row.warned = False
                self._notify(session, row, "extension")
            return self._department_view(session, row)

    # --- internals -----------------------------------------------------------------------
    def _dispatch(self, session: Session, row: TicketRow, target: Department, actor: str) -> None:
        rerouted = bool(row.departments_tried)
        self._move(session, row, Action.DISPATCH, actor, f"派至{target.name}")
        row.department = target.name
        row.departments_tried = [*row.departments_tried, target.name]
        session.add(
            OutboxRow(
                stream=department_stream(target.code),
                created_at=self.clock(),
                payload={
                    "event": "ticket.dispatched",
                    "ticket_id": row.ticket_id,
                    "kind": row.kind,
                    "department": target.name,
                },
            )
        )
        self._notify(session, row, "rerouted" if rerouted else "dispatched")

    def _return(self, session: Session, row: TicketRow, actor: str, reason: str) -> None:
        returned_from = row.department or ""
        self._move(session, row, Action.RETURN, actor, reason)
        row.return_count += 1
        if row.return_count >= MAX_RETURNS or len(set(row.departments_tried)) >= MAX_DEPARTMENTS:
            self._move(session, row, Action.TO_MANUAL, "system", "多次退回，转人工派单")
            row.department = None
            return
        decision = self.classifier.predict(self.text_of(row))
        candidates = [decision.department, *(a.department for a in decision.alternatives)]
        target = next(
            (
                self.department(c)
                for c in candidates
                if c not in row.departments_tried and c != returned_from and self.department(c)
            ),
            None,
        )
        if target is None:
            self._move(session, row, Action.TO_MANUAL, "system", "无其他候选部门，转人工派单")
            row.department = None
            return
        self._dispatch(session, row, target, "router")

    def _record_correction(self, row: TicketRow) -> None:
        if self.on_correction is not None and len(row.departments_tried) > 1 and row.department:
            self.on_correction(
                self.text_of(row), row.departments_tried[-2], row.department, row.kind
            )

    def _move(
        self, session: Session, row: TicketRow, action: Action, actor: str, note: str = ""
    ) -> None:
        before = Status(row.status)
        after = next_status(before, action)
        row.status = after.value
        if action is Action.ESCALATE:
            row.escalated = True
        self._audit(session, row, actor, action.value, before, after, note)

    def _audit(
        self,
        session: Session,
        row: TicketRow,
        actor: str,
        action: str,
        before: Status | None,
        after: Status,
        note: str,
        public: bool = True,
    ) -> None:
        session.add(
            AuditRow(
                ticket_id=row.ticket_id,
                at=self.clock(),
                actor=actor,
                action=action,
                from_status=before.value if before else None,
                to_status=after.value,
                note=note,
                public=public,
            )
        )

    def _notify(self, session: Session, row: TicketRow, key: str, **values: str) -> None:
        due = row.due_at.strftime("%Y年%m月%d日") if row.due_at else ""
        text = TEXTS[key].format(
            ticket_id=row.ticket_id, department=row.department or "", due=due, **values
        )
        session.add(
            OutboxRow(
                stream=NOTIFY_STREAM,
                created_at=self.clock(),
                payload={
                    "channel": row.channel,
                    "sender_id": row.sender_id,
                    "ticket_id": row.ticket_id,
                    "text": text,
                },
            )
        )

    def _history(self, session: Session, row: TicketRow) -> list[TicketEvent]:
        audits = session.scalars(
            select(AuditRow)
            .where(AuditRow.ticket_id == row.ticket_id, AuditRow.public)
            .order_by(AuditRow.id)
        ).all()
        return [
            TicketEvent(
                at=_aware(a.at),
                status=a.to_status,
                note=a.note if a.action in ("reply", "dispatch") else "",
            )
            for a in audits
        ]

    def _public(self, session: Session, row: TicketRow) -> TicketPublic:
        return TicketPublic(
            ticket_id=row.ticket_id,
            kind=Kind(row.kind),
            department=row.department,
            status=Status(row.status),
            due_at=_aware(row.due_at) if row.due_at else None,
            created_at=_aware(row.created_at),
            latest_reply=row.latest_reply,
            rating=Satisfaction(row.rating) if row.rating else None,
            history=self._history(session, row),
        )

    def _deadline(self, row: TicketRow) -> Deadline | None:
        """None unless the department still owes an answer."""
        if row.due_at is None or row.status not in {s.value for s in ESCALATABLE}:
            return None
        now, due = self.clock(), _aware(row.due_at)
        if due < now:
            return Deadline.OVERDUE
        return (
            Deadline.NEAR if working_days_left(now, due) <= NEAR_DEADLINE_DAYS else Deadline.ON_TIME
        )

    def _escalation_reason(self, session: Session, row: TicketRow) -> str | None:
        query = (
            select(AuditRow.note)
            .where(AuditRow.ticket_id == row.ticket_id, AuditRow.action == Action.ESCALATE.value)
            .order_by(AuditRow.id.desc())
            .limit(1)
        )
        return session.scalar(query) or None

    def _department_view(self, session: Session, row: TicketRow) -> TicketDepartmentView:
        contact = self.cipher.decrypt(row.contact_enc) if row.contact_enc else None
        location = self.cipher.decrypt(row.location_enc) if row.location_enc else None
        due = row.due_at
        overdue = bool(
            due
            and _aware(due) < self.clock()
            and row.status in {s.value for s in OPEN_STATUSES}
            and row.status not in (Status.ANSWERED.value,)
        )
        return TicketDepartmentView(
            **self._public(session, row).model_dump(),
            text=self.text_of(row),
            location=location,
            contact_masked=mask_phone(contact) if contact else None,
            overdue=overdue,
            deadline=self._deadline(row),
            escalated=bool(row.escalated),
            escalation_reason=self._escalation_reason(session, row) if row.escalated else None,
            return_count=row.return_count,
            channel=row.channel,
        )


def _callback_pending(session: Session, row: TicketRow) -> bool:
    query = select(CallbackRow.id).where(
        CallbackRow.ticket_id == row.ticket_id, CallbackRow.done_at.is_(None)
    )
    return session.scalar(query) is not None


def _aware(value: datetime) -> datetime:
    """SQLite returns naive datetimes: treat them as UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def load_json_lines(lines: Iterable[str]) -> list[dict[str, object]]:
    return [json.loads(line) for line in lines if line.strip()]
