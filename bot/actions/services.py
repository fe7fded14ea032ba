"""The action server's composition root: small adapters over search, tickets, hand-off and storage.

`get_services()` builds one `BotServices` per process from `govassist.settings.Settings` on first
use; each dependency inside it is built lazily too, so the action server starts in a second and
a missing or failing dependency only affects the actions that need it. Every adapter turns the
foreign package's errors into `ServiceUnavailable`, which actions answer with a polite message.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from bot.actions.texts import Texts
from bot.metrics import BotMetrics
from govassist.settings import Settings
from knowledge.loader import load_knowledge_base
from knowledge.store import KnowledgeBase

if TYPE_CHECKING:
    from redis import Redis

    from bot.applications.store import ApplicationStore

log = logging.getLogger("govassist.bot")

HANDOFF_KEY = "govassist:handoff:{sender_id}"
HANDOFF_QUEUE = "govassist:handoff:queue"


class ServiceUnavailable(Exception):
    """A dependency (search, tickets, Redis, database) cannot serve the request right now."""


class TicketMissing(Exception):
    """No ticket with this number."""


@dataclass(frozen=True)
class Hit:
    """One search hit, as the dialogue needs it."""

    guide_id: str
    title: str
    department: str
    aspect: str
    score: float


@dataclass(frozen=True)
class Found:
    """Search outcome: ranked hits plus the flags the dialogue branches on."""

    hits: list[Hit]
    not_found: bool
    ambiguous: bool
    aspect: str | None


@dataclass(frozen=True)
class TicketInfo:
    """What a citizen may see of a ticket."""

    ticket_id: str
    kind: str
    department: str
    status: str
    due_at: str | None
    latest_reply: str | None


class SearchAdapter:
    """search.service.SearchService behind the two calls the dialogue makes."""

    def __init__(self, service: Any, metrics: BotMetrics | None = None) -> None:
        self._service = service
        self._metrics = metrics

    def find(self, query: str) -> Found:
        found = self._find(query)
        if self._metrics is not None:
            result = "not_found" if found.not_found else "ambiguous" if found.ambiguous else "found"
            self._metrics.search.labels(result).inc()
        return found

    def _find(self, query: str) -> Found:
        try:
            result = self._service.search(query)
        except Exception as exc:
            if exc.__class__.__name__ == "InvalidQuery":
                return Found([], True, False, None)
            raise ServiceUnavailable(f"search failed: {exc.__class__.__name__}") from exc
        hits = [
            Hit(h.guide_id, h.title, h.department, h.aspect, float(h.score)) for h in result.hits
        ]
        return Found(
            hits, bool(result.not_found or not hits), bool(result.ambiguous), result.aspect
        )

    def answer(self, guide_id: str, aspect: str | None) -> str:
        try:
            return str(self._service.answer(guide_id, aspect))
        except Exception as exc:
            raise ServiceUnavailable(f"answer failed: {exc.__class__.__name__}") from exc


def _day(value: Any) -> str | None:
    if value is None:
        return None
    return value.strftime("%Y-%m-%d") if hasattr(value, "strftime") else str(value)


def _ticket_info(ticket: Any) -> TicketInfo:
    due = getattr(ticket, "due_at", None)
    status = getattr(ticket, "status", "")
    return TicketInfo(
        ticket_id=str(ticket.ticket_id),
        kind=str(getattr(ticket, "kind", "") or ""),
        department=str(getattr(ticket, "department", "") or ""),
        status=str(getattr(status, "value", status)),
        due_at=_day(due),
        latest_reply=getattr(ticket, "latest_reply", None) or None,
    )


class TicketAdapter:
    """feedback.service.TicketService behind submit / get / recent."""

    def __init__(self, service: Any) -> None:
        self._service = service

    def submit(
        self, text: str, channel: str, sender_id: str, location: str | None, contact: str | None
    ) -> TicketInfo:
        from feedback.schemas import FeedbackCreate

        try:
            ticket = self._service.submit(
                FeedbackCreate(
                    text=text,
                    channel=channel,
                    sender_id=sender_id,
                    location=location,
                    contact=contact,
                )
            )
        except Exception as exc:
            raise ServiceUnavailable(f"ticket submit failed: {exc.__class__.__name__}") from exc
        return _ticket_info(ticket)

    def warm_up(self) -> None:
        """The router's first prediction loads its encoder and dictionaries: do it early."""
        self._service.classifier.predict("小区门口的路灯坏了一个星期")

    def get(self, ticket_id: str) -> TicketInfo:
        try:
            return _ticket_info(self._service.get_public(ticket_id))
        except Exception as exc:
            if exc.__class__.__name__ == "TicketNotFound":
                raise TicketMissing(ticket_id) from exc
            raise ServiceUnavailable(f"ticket lookup failed: {exc.__class__.__name__}") from exc

    def recent(self, channel: str, sender_id: str) -> list[TicketInfo]:
        try:
            return [_ticket_info(t) for t in self._service.recent_for_sender(channel, sender_id)]
        except Exception as exc:
            raise ServiceUnavailable(f"ticket list failed: {exc.__class__.__name__}") from exc


class HandoffAdapter:
    """Marks a conversation for a human agent in Redis (the gateway then keeps the bot quiet)."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    def request(self, sender_id: str, channel: str, reason: str) -> None:
        record = json.dumps(
            {"channel": channel, "reason": reason, "since": time.time()}, ensure_ascii=False
        )
        try:
            if self._redis.set(HANDOFF_KEY.format(sender_id=sender_id), record, nx=True):
                self._redis.rpush(HANDOFF_QUEUE, sender_id)
        except Exception as exc:
            raise ServiceUnavailable(f"redis failed: {exc.__class__.__name__}") from exc


@dataclass
class BotServices:
    """Everything the actions use, each built on first use from the settings."""

    settings: Settings
    texts: Texts = field(default_factory=Texts.load)
    metrics: BotMetrics = field(default_factory=BotMetrics)
    _built: dict[str, Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _get(self, name: str, build: Any) -> Any:
        with self._lock:
            if name not in self._built:
                self._built[name] = build()
            return self._built[name]

    def kb(self) -> KnowledgeBase:
        return self._get("kb", lambda: load_knowledge_base(self.settings.kb_dir))  # type: ignore[no-any-return]

    def search(self) -> SearchAdapter:
        def build() -> SearchAdapter:
            from search.service import build_search_service

            s = self.settings
            service = build_search_service(s.kb_dir, s.resolved_index_dir, s.encoder)
            return SearchAdapter(service, self.metrics)

        return self._guarded("search", build)  # type: ignore[no-any-return]

    def tickets(self) -> TicketAdapter:
        def build() -> TicketAdapter:
            from feedback.factory import build_ticket_service

            service = build_ticket_service(self.settings)
            service.on_routed = lambda d: self.metrics.routing_confidence.observe(d.confidence)
            return TicketAdapter(service)

        return self._guarded("tickets", build)  # type: ignore[no-any-return]

    def handoff(self) -> HandoffAdapter:
        def build() -> HandoffAdapter:
            from redis import Redis

            url = self.settings.redis_url or "redis://127.0.0.1:6379/0"
            return HandoffAdapter(Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2))

        return self._guarded("handoff", build)  # type: ignore[no-any-return]

    def applications(self) -> ApplicationStore:
        def build() -> ApplicationStore:
            from bot.applications.store import build_application_store

            return build_application_store(self.settings)

        return self._guarded("applications", build)  # type: ignore[no-any-return]

    def _guarded(self, name: str, build: Any) -> Any:
        try:
            return self._get(name, build)
        except Exception as exc:  # not cached: the next call tries again
            log.error(
                "bot.service.unavailable", extra={"ctx_service": name, "ctx_error": repr(exc)}
            )
            raise ServiceUnavailable(f"{name} unavailable: {exc.__class__.__name__}") from exc

    def readiness(self) -> dict[str, str]:
        """What /readyz reports: the knowledge base and search index loaded (warm-up started)."""
        self.warm_up()
        with self._lock:
            return {part: "ok" if part in self._built else "loading" for part in ("kb", "search")}

    def _warm_tickets(self) -> None:
        """Build the ticket service and make the router's (slow) first prediction."""
        self.tickets().warm_up()

    def warm_up(self) -> None:
        """Build the expensive parts (KB, search index) once, in a background thread."""
        with self._lock:
            if self._built.get("_warming"):
                return
            self._built["_warming"] = True

        def run() -> None:
            for part in (self.kb, self.search, self._warm_tickets):
                try:
                    part()
                except Exception:  # reported when an action needs it
                    log.warning("bot.warm_up.failed", exc_info=True)

        threading.Thread(target=run, name="bot-warm-up", daemon=True).start()


@cache
def get_services() -> BotServices:
    """The process-wide services (this process is its own composition root)."""
    return BotServices(Settings())
