"""Agent assist: for each caller utterance, suggested answers, the intent and a ticket draft."""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
from collections.abc import Awaitable
from typing import Any, TypeVar

from redis.asyncio import Redis

from channels.emergency import detect_emergency
from channels.hotline.extract import extract_location, extract_phone, summarize
from channels.hotline.schemas import Suggestion, TicketDraft, UtteranceResult
from channels.metrics import search_outcome

log = logging.getLogger("govassist.hotline")
T = TypeVar("T")
CALL_TTL_S = 24 * 3600
DEFAULT_STEP_DEADLINE_S = 0.25  # HOTLINE_STEP_DEADLINE_MS: the console must show within 300 ms
COMPLAINT_INTENTS = {"file_complaint", "give_suggestion"}
DRAFT_KINDS = {"complaint", "suggestion", "report"}


def _key(call_id: str, part: str = "") -> str:
    return f"govassist:call:{call_id}" + (f":{part}" if part else "")


class CallNotFound(LookupError):
    """No open call with this id."""


class HotlineAssistant:
    """Keeps call transcripts in Redis and computes suggestions with search, NLU and routing."""

    def __init__(
        self,
        redis: Redis,
        search: Any,
        router: Any,
        nlu: Any,
        metrics: Any = None,
        *,
        top_k: int = 3,
        step_deadline_s: float = DEFAULT_STEP_DEADLINE_S,
    ) -> None:
        self.redis = redis
        self.metrics = metrics  # channels.metrics.GatewayMetrics (intents, search outcomes)
        self.search = search  # search.service.SearchService or None while loading
        self.router = router  # feedback routing Router or None
        self.nlu = nlu  # async callable text -> intent name (Rasa's /model/parse)
        self.top_k = top_k  # suggestions per caller utterance (SEARCH_TOP_K)
        self.step_deadline_s = step_deadline_s

    async def open_call(self, caller_number: str | None, agent_id: str | None) -> tuple[str, float]:
        call_id = "C" + time.strftime("%Y%m%d") + secrets.token_hex(4)
        started = time.time()
        mapping: dict[Any, Any] = {
            "started_at": str(started),
            "agent_id": agent_id or "",
            "caller_number": caller_number or "",
        }
        await self.redis.hset(_key(call_id), mapping=mapping)
        await self.redis.expire(_key(call_id), CALL_TTL_S)
        return call_id, started

    async def _require(self, call_id: str) -> None:
        if not await self.redis.exists(_key(call_id)):
            raise CallNotFound(call_id)

    async def add_utterance(self, call_id: str, speaker: str, text: str) -> UtteranceResult | None:
        """Record an utterance; for the caller's, compute and publish the assist result."""
        await self._require(call_id)
        entry = json.dumps(
            {"speaker": speaker, "text": text, "ts": time.time()}, ensure_ascii=False
        )
        await self.redis.rpush(_key(call_id, "transcript"), entry)
        await self.redis.expire(_key(call_id, "transcript"), CALL_TTL_S)
        if speaker != "caller":
            await self._publish(call_id, {"type": "utterance", "speaker": speaker, "text": text})
            return None
        result = await self._assist(call_id, text)
        await self._publish(
            call_id,
            {"type": "utterance", "speaker": speaker, "text": text, "result": result.model_dump()},
        )
        return result

    async def transcript(self, call_id: str) -> list[dict[str, Any]]:
        await self._require(call_id)
        return [json.loads(x) for x in await self.redis.lrange(_key(call_id, "transcript"), 0, -1)]

    async def _caller_context(self, call_id: str, limit: int = 3) -> list[str]:
        turns = await self.transcript(call_id)
        return [t["text"] for t in turns if t["speaker"] == "caller"][-limit:]

    async def _assist(self, call_id: str, text: str) -> UtteranceResult:
        """Intent, suggestions and routing run concurrently, each within its own deadline."""
        started = time.perf_counter()
        emergency = detect_emergency(text)
        context = await self._caller_context(call_id)
        # ASR streams fragments: a short utterance is read together with the one before it
        focus = [text] if len(text) >= 12 or len(context) < 2 else context[-2:]
        query = "，".join(focus)
        degraded: list[str] = []
        intent, suggestions, decision = await asyncio.gather(
            self._step("intent", self._intent(text, emergency is not None), "unknown", degraded),
            self._step("search", asyncio.to_thread(self._suggest, query), [], degraded),
            self._step("routing", self._routing(query), None, degraded),
        )
        if self.metrics is not None:
            self.metrics.intents.labels(intent or "unknown").inc()
        kind = getattr(decision, "kind", None)
        draft = None
        if intent in COMPLAINT_INTENTS or kind in DRAFT_KINDS:
            draft = self._draft(context, decision, intent)
        return UtteranceResult(
            call_id=call_id,
            query=query,
            intent=intent,
            suggestions=suggestions,
            ticket_draft=draft,
            emergency=emergency.text if emergency else None,
            degraded=sorted(degraded),
            latency_ms=round((time.perf_counter() - started) * 1000, 1),
        )

    async def _step(self, name: str, work: Awaitable[T], fallback: T, degraded: list[str]) -> T:
        """`work`'s result, or `fallback` (noted in `degraded`) when it is late or fails.

        A late thread (search, routing) cannot be interrupted: it finishes in the background and
        its result is dropped; the agent sees the other steps' results on time.
        """
        try:
            return await asyncio.wait_for(work, self.step_deadline_s)
        except TimeoutError:
            log.warning("hotline.assist.step_late", extra={"ctx_step": name})
        except Exception as exc:  # one failing part must not take the others down
            log.error(
                "hotline.assist.step_failed",
                extra={"ctx_step": name, "ctx_error": exc.__class__.__name__},
            )
        degraded.append(name)
        return fallback

    async def _intent(self, text: str, emergency: bool) -> str:
        return "emergency" if emergency else str(await self.nlu(text))

    async def _routing(self, query: str) -> Any:
        return await asyncio.to_thread(self.router.predict, query) if self.router else None

    def _suggest(self, query: str) -> list[Suggestion]:
        if self.search is None:
            return []
        result = self.search.search(query, top_k=self.top_k)
        if self.metrics is not None:
            self.metrics.search.labels(search_outcome(result)).inc()
        return [
            Suggestion(
                guide_id=h.guide_id,
                title=h.title,
                department=h.department,
                aspect=h.aspect,
                snippet=h.snippet,
                confidence=round(float(h.score), 3),
            )
            for h in result.hits
        ]

    def _draft(self, context: list[str], decision: Any, intent: str) -> TicketDraft:
        joined = "，".join(context)
        kind = getattr(decision, "kind", None) or (
            "suggestion" if intent == "give_suggestion" else "complaint"
        )
        manual = bool(getattr(decision, "manual", False))
        alternatives = [
            a.model_dump() if hasattr(a, "model_dump") else dict(a)
            for a in getattr(decision, "alternatives", [])
        ]
        return TicketDraft(
            kind=kind,
            department=None if manual else getattr(decision, "department", None),
            summary=summarize(context),
            location=extract_location(joined),
            contact=extract_phone(joined),
            confidence=float(getattr(decision, "confidence", 0.0)),
            alternatives=alternatives,
        )

    async def _publish(self, call_id: str, event: dict[str, Any]) -> None:
        key = _key(call_id, "events")
        await self.redis.xadd(key, {"event": json.dumps(event, ensure_ascii=False)}, maxlen=1000)
        await self.redis.expire(key, CALL_TTL_S)

    async def events(
        self, call_id: str, last_id: str = "0-0", block_ms: int = 15000
    ) -> list[tuple[str, dict[str, Any]]]:
        """Events after `last_id` (blocking up to block_ms), for the live console."""
        await self._require(call_id)
        data: Any = await self.redis.xread(
            {_key(call_id, "events"): last_id}, block=block_ms, count=50
        )
        out = []
        for _, entries in data or []:
            for entry_id, fields in entries:
                eid = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
                raw = fields.get(b"event") or fields.get("event")
                out.append((eid, json.loads(raw)))
        return out
