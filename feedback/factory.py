"""Build the TicketService from settings (the feedback package's composition helper)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from feedback.db import make_engine, session_factory, upgrade
from feedback.deadlines import default_calendar
from feedback.privacy import Cipher, redact
from feedback.retention import encrypt_stored_texts
from feedback.service import Classifier, TicketService
from govassist.settings import Settings
from knowledge.loader import load_knowledge_base
from knowledge.store import KnowledgeBase


def load_classifier(kb: KnowledgeBase, data_dir: Path) -> Classifier:
    """The trained router when available, otherwise the zero-shot duty classifier."""
    try:
        from feedback.routing import load_router

        return load_router(kb=kb, data_dir=data_dir)
    except (ImportError, AttributeError, TypeError, FileNotFoundError):
        from feedback.duty_classifier import DutyClassifier

        titles: dict[str, list[str]] = {}
        for guide in kb.guides:
            titles.setdefault(guide.department, []).extend([guide.title, *guide.aliases])
        return DutyClassifier(kb.departments, titles)


class CorrectionLog:
    """Appends routing corrections (returned and re-routed tickets) to a JSON Lines file.

    The text is kept for retraining with ID numbers, phones and e-mail addresses masked: the file
    is not encrypted and outlives the tickets' retention."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def __call__(self, text: str, wrong: str, right: str, kind: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(
            {"text": redact(text), "wrong_department": wrong, "department": right, "kind": kind},
            ensure_ascii=False,
        )
        with self._lock, self.path.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")


def build_ticket_service(
    settings: Settings, kb: KnowledgeBase | None = None, migrate: bool = True
) -> TicketService:
    """Database (migrated), classifier, departments, cipher and corrections log, wired together."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    url = settings.resolved_database_url
    if migrate:
        upgrade(url)
    kb = kb or load_knowledge_base(settings.kb_dir)
    default_calendar()  # a broken feedback/holidays.yaml stops start-up, not a citizen's ticket
    sessions = session_factory(make_engine(url))
    cipher = Cipher(settings.secret_key.get_secret_value())
    if migrate:
        from feedback.open311 import hash_stored_senders

        hash_stored_senders(sessions, cipher)  # raw contacts stored as sender ids before
        encrypt_stored_texts(sessions, cipher)  # ticket texts stored in plain before
    return TicketService(
        sessions=sessions,
        classifier=load_classifier(kb, settings.data_dir),
        departments=kb.departments,
        cipher=cipher,
        on_correction=CorrectionLog(settings.data_dir / "routing" / "corrections.jsonl"),
    )
