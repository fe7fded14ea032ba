"""ApplicationStore: save confirmed applications (PII encrypted) and find them by document token."""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.applications.models import ApplicationRow
from bot.applications.schemas import (
    ApplicationCreate,
    FilledField,
    GuideSnapshot,
    StoredApplication,
)
from feedback.privacy import Cipher

if TYPE_CHECKING:
    from govassist.settings import Settings

_ATTEMPTS = 5
PURGED_PREFIX = "purged:"  # token_hash of a purged application: never a sha256 hex, link is dead


class ApplicationNotFound(LookupError):
    """No application has this document token."""


def token_hash(token: str) -> str:
    """Only the hash of a token is stored: a copy of the database does not reveal the links."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_reference(now: datetime) -> str:
    """SQ + date + 6 random digits, e.g. SQ20261125042817."""
    return f"SQ{now:%Y%m%d}{secrets.randbelow(10**6):06d}"


class ApplicationStore:
    """Applications on any SQLAlchemy database (SQLite by default, PostgreSQL in production)."""

    def __init__(self, engine: Engine, cipher: Cipher) -> None:
        self._engine = engine
        self._cipher = cipher

    def create(self, request: ApplicationCreate) -> StoredApplication:
        """Store an application; returns it with its reference and document token."""
        fields_json = json.dumps([f.model_dump() for f in request.fields], ensure_ascii=False)
        for attempt in range(_ATTEMPTS):
            now = datetime.now(UTC)
            token = secrets.token_urlsafe(24)
            reference = new_reference(now)
            row = ApplicationRow(
                reference=reference,
                token_hash=token_hash(token),
                guide_id=request.guide.guide_id,
                guide_json=request.guide.model_dump_json(),
                fields_encrypted=self._cipher.encrypt(fields_json),
                channel=request.channel,
                sender_encrypted=self._cipher.encrypt(request.sender_id),
                created_at=now,
            )
            try:
                with Session(self._engine) as session, session.begin():
                    session.add(row)
            except IntegrityError:  # a reference number drawn twice: draw again
                if attempt == _ATTEMPTS - 1:
                    raise
                continue
            return StoredApplication(
                reference=reference,
                token=token,
                created_at=now,
                guide=request.guide,
                fields=request.fields,
                channel=request.channel,
            )
        raise RuntimeError("unreachable")

    def by_token(self, token: str) -> StoredApplication:
        """The application behind a document link; raises ApplicationNotFound."""
        with Session(self._engine) as session:
            row = session.scalar(
                select(ApplicationRow).where(ApplicationRow.token_hash == token_hash(token))
            )
        if row is None:
            raise ApplicationNotFound(token)
        fields = [FilledField(**f) for f in json.loads(self._cipher.decrypt(row.fields_encrypted))]
        created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
        return StoredApplication(
            reference=row.reference,
            token=token,
            created_at=created,
            guide=GuideSnapshot.model_validate_json(row.guide_json),
            fields=fields,
            channel=row.channel,
        )

    def purge_older_than(self, cutoff: datetime, dry_run: bool = False) -> int:
        """Remove form values and sender of applications created before `cutoff`; idempotent.

        Guide, channel, reference and time stay (counts per service remain); the document link
        stops working.
        """
        expired = (ApplicationRow.created_at < cutoff) & ~ApplicationRow.token_hash.startswith(
            PURGED_PREFIX
        )
        with Session(self._engine) as session, session.begin():
            count = session.scalar(select(func.count()).where(expired)) or 0
            if not dry_run and count:
                session.execute(
                    update(ApplicationRow)
                    .where(expired)
                    .values(
                        token_hash=PURGED_PREFIX + ApplicationRow.reference,
                        fields_encrypted="",
                        sender_encrypted="",
                    )
                )
        return int(count)


def build_application_store(settings: Settings) -> ApplicationStore:
    """The store on DATABASE_URL, encrypting with SECRET_KEY."""
    engine = create_engine(settings.resolved_database_url, pool_pre_ping=True)
    return ApplicationStore(engine, Cipher(settings.secret_key.get_secret_value()))
