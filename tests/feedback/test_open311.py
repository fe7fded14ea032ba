"""Open311 sender ids (SQLite, PostgreSQL): contacts stored raw by earlier versions get hashed."""

from __future__ import annotations

from sqlalchemy import text, update

from feedback.db import TicketRow
from feedback.open311 import ANONYMOUS, hash_stored_senders, sender_id
from feedback.schemas import FeedbackCreate
from feedback.service import TicketService

PHONE = "13812345678"


def test_raw_contacts_left_as_sender_ids_are_replaced_by_their_keyed_hash(
    service: TicketService,
) -> None:
    def ticket(channel: str, sender: str) -> str:
        create = FeedbackCreate(text="路灯坏了一个星期", channel=channel, sender_id=sender)
        tid = service.submit(create).ticket_id
        with service.sessions.begin() as session:  # as an earlier version stored it
            session.execute(
                update(TicketRow).where(TicketRow.ticket_id == tid).values(sender_id=sender)
            )
        return tid

    ticket("open311", PHONE)
    ticket("open311", PHONE)
    ticket("open311", ANONYMOUS)
    ticket("web", "visitor-13812345678")  # other channels keep their own ids
    assert hash_stored_senders(service.sessions, service.cipher) == 1
    assert hash_stored_senders(service.sessions, service.cipher) == 0  # idempotent
    with service.sessions() as session:
        stored = session.execute(text("SELECT channel, sender_id FROM tickets")).all()
    hashed = sender_id(service.cipher, PHONE)
    assert sorted(stored) == sorted(
        [
            ("open311", hashed),
            ("open311", hashed),
            ("open311", ANONYMOUS),
            ("web", "visitor-13812345678"),
        ]
    )
    assert PHONE not in hashed
