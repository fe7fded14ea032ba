"""Retention: strip personal data from tickets past the retention age, keep the statistics.

A ticket is purged when nothing has happened to it since the cutoff (created and last audited
before it). Its text, location, contact and the citizen's rating comment are removed, the sender
id becomes a keyed pseudonym (repeat reporters stay countable, not identifiable), and what people
wrote on it (replies, return and extension reasons) is removed too: it names and quotes citizens.
Kind, department, status, times, deadlines, rating and the audit trail's actions stay, so 三率
and oversight reports do not change. Outbox rows published before the cutoff (their payloads
carry sender ids and notice texts) are deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session, sessionmaker

from feedback.db import AuditRow, OutboxRow, TicketRow
from feedback.privacy import FERNET_PREFIX, Cipher, redact

PURGED_TEXT = "〔已超过保存期限，内容已删除〕"
PSEUDONYM_PREFIX = "anon:"
GENERATED_BY = ("system", "router")
GENERATED_ACTIONS = ("dispatch", "rate", "receive")


def encrypt_stored_texts(sessions: sessionmaker[Session], cipher: Cipher, batch: int = 500) -> int:
    """Encrypt ticket texts that earlier versions stored in plain; idempotent (tokens and the
    purge marker are left alone), returns how many rows changed."""
    changed = 0
    while True:
        with sessions.begin() as session:
            rows = session.scalars(
                select(TicketRow)
                .where(~TicketRow.text_enc.startswith(FERNET_PREFIX))
                .where(TicketRow.text_enc != PURGED_TEXT)
                .order_by(TicketRow.id)
                .limit(batch)
            ).all()
            for row in rows:
                row.text_enc = cipher.encrypt(row.text_enc)
        changed += len(rows)
        if len(rows) < batch:
            return changed


@dataclass(frozen=True)
class TicketPurgeReport:
    """What a purge changed (or, in a dry run, would change)."""

    tickets: int
    audit_notes: int
    outbox_rows: int

    def as_counts(self) -> dict[str, int]:
        return {
            "tickets": self.tickets,
            "ticket notes": self.audit_notes,
            "outbox rows": self.outbox_rows,
        }


def pseudonym(secret: str, channel: str, sender_id: str) -> str:
    """A stable, keyed stand-in for a sender id (not reversible without SECRET_KEY)."""
    return PSEUDONYM_PREFIX + Cipher.blind_index(secret, f"{channel}:{sender_id}")[:24]


def purge_tickets(
    sessions: sessionmaker[Session], cutoff: datetime, secret: str, dry_run: bool = False
) -> TicketPurgeReport:
    """Remove personal data from tickets untouched since `cutoff`; idempotent."""
    with sessions.begin() as session:
        rows = session.scalars(_expired(cutoff)).all()
        ids = [r.ticket_id for r in rows]
        notes = _notes(session, ids)
        outbox = session.scalars(
            select(OutboxRow.id).where(
                OutboxRow.published_at.is_not(None), OutboxRow.created_at < cutoff
            )
        ).all()
        if not dry_run:
            for row in rows:
                _anonymise(row, secret)
            for note in notes:
                note.note = PURGED_TEXT
            if outbox:
                session.execute(delete(OutboxRow).where(OutboxRow.id.in_(outbox)))
        return TicketPurgeReport(len(rows), len(notes), len(outbox))


def _expired(cutoff: datetime):  # type: ignore[no-untyped-def]
    recent_activity = exists().where(
        AuditRow.ticket_id == TicketRow.ticket_id, AuditRow.at >= cutoff
    )
    return (
        select(TicketRow)
        .where(TicketRow.created_at < cutoff, ~recent_activity)
        .where(~TicketRow.sender_id.startswith(PSEUDONYM_PREFIX))
        .order_by(TicketRow.id)
    )


def _anonymise(row: TicketRow, secret: str) -> None:
    row.text_enc = PURGED_TEXT  # a marker, not personal data: stored as it is
    row.location_enc = None
    row.contact_enc = None
    row.rating_comment = None
    row.latest_reply = PURGED_TEXT if row.latest_reply else row.latest_reply
    row.sender_id = pseudonym(secret, row.channel, row.sender_id)


def _notes(session: Session, ticket_ids: list[str]) -> list[AuditRow]:
    """Free text people wrote on these tickets; generated notes (dispatch, system) stay."""
    if not ticket_ids:
        return []
    return list(
        session.scalars(
            select(AuditRow).where(
                AuditRow.ticket_id.in_(ticket_ids),
                AuditRow.actor.not_in(GENERATED_BY),
                AuditRow.action.not_in(GENERATED_ACTIONS),
                AuditRow.note.not_in(("", PURGED_TEXT)),
            )
        ).all()
    )


def redact_corrections(path: Path, dry_run: bool = False) -> int:
    """Mask personal data left in the routing corrections file (written before it was masked on
    write); returns the number of lines changed. The file has no dates: it is not aged."""
    if not path.exists():
        return 0
    lines = path.read_text(encoding="utf-8").splitlines()
    masked = [redact(line) for line in lines]
    changed = sum(a != b for a, b in zip(lines, masked, strict=True))
    if changed and not dry_run:
        path.write_text("".join(line + "\n" for line in masked), encoding="utf-8")
    return changed
