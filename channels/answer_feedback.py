"""Citizens' verdicts on answers (有帮助/没帮助): recorded with the question answered, listed for
agents so the knowledge base can be improved. Personal data is masked before it is stored."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from redis.asyncio import Redis

from channels.agent.schemas import UnhelpfulAnswer
from channels.conversation_store import PREFIX, ConversationStore
from channels.web.schemas import AnswerFeedback
from feedback.privacy import redact

STREAM = f"{PREFIX}:answer_feedback"
MAX_ENTRIES = 100_000


def question_for(history: list[dict[str, Any]], answer: str) -> str | None:
    """The user's message before the latest bot turn that `answer` is (the start of)."""
    for index in range(len(history) - 1, -1, -1):
        turn = history[index]
        if turn.get("role") == "bot" and str(turn.get("text", "")).startswith(answer):
            asked = [t for t in history[:index] if t.get("role") == "user"]
            return str(asked[-1].get("text", "")) if asked else ""
    return None


async def record_feedback(store: ConversationStore, body: AnswerFeedback) -> None:
    """Store one verdict; the question is taken from the history when it holds the answer."""
    history = await store.history(f"web:{body.sender_id}")
    question = question_for(history, body.answer)
    fields = {
        "sender": body.sender_id,
        "channel": "web",
        "question": redact(body.question if question is None else question)[:2000],
        "answer": redact(body.answer),
        "guide_id": body.guide_id or "",
        "helpful": str(int(body.helpful)),
        "ts": str(datetime.now(UTC).timestamp()),
    }
    await store.redis.xadd(STREAM, fields, maxlen=MAX_ENTRIES)  # type: ignore[arg-type]


def _s(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


async def unhelpful_answers(redis: Redis, limit: int) -> list[UnhelpfulAnswer]:
    """The latest `limit` answers marked not helpful, newest first."""
    found: list[UnhelpfulAnswer] = []
    last = "+"
    while len(found) < limit:
        batch: Any = await redis.xrevrange(STREAM, max=last, count=500)
        for _, raw in batch:
            fields = {_s(k): _s(v) for k, v in raw.items()}
            if fields.get("helpful") == "0" and len(found) < limit:
                found.append(_unhelpful(fields))
        if len(batch) < 500:
            break
        last = "(" + _s(batch[-1][0])
    return found


def _unhelpful(fields: dict[str, str]) -> UnhelpfulAnswer:
    return UnhelpfulAnswer(
        question=fields.get("question", ""),
        answer=fields.get("answer", ""),
        guide_id=fields.get("guide_id") or None,
        channel=fields.get("channel", "web"),
        at=datetime.fromtimestamp(float(fields.get("ts", "0")), UTC),
    )
