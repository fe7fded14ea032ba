"""Retention purge on SQLite and PostgreSQL with real Redis (db 10): personal data of old tickets,
applications, histories, Rasa trackers and streams goes; statistics and recent data stay."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
from sqlalchemy import select, text, update
from typer.testing import CliRunner

from bot.applications.db import upgrade as upgrade_applications
from bot.applications.models import ApplicationRow
from bot.applications.schemas import ApplicationCreate, FilledField, GuideSnapshot
from bot.applications.store import ApplicationNotFound, ApplicationStore
from feedback.db import OutboxRow, TicketRow
from feedback.lifecycle import Action
from feedback.oversight import department_stats, hot_topics
from feedback.schemas import FeedbackCreate, Satisfaction
from feedback.service import TicketService
from govassist.cli import build_app
from govassist.retention import purge_personal_data
from govassist.settings import Settings
from tests.conftest import REDIS_BASE_URL
from tests.feedback.conftest import Clock

REDIS_URL = f"{REDIS_BASE_URL}/10"
CG = "市城市管理局"
OLD_ID, OLD_PHONE = "110101199003071234", "13812345678"
NEW_ID, NEW_PHONE = "320102198807150021", "13900001111"
SECRET = "retention-secret"


@pytest.fixture
def redis_client() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    yield client
    client.flushdb()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    upgrade_applications(database_url)
    return Settings(
        database_url=database_url,
        redis_url=REDIS_URL,
        data_dir=tmp_path,
        secret_key=SECRET,
    )


def _complaint(text_: str, phone: str, sender: str) -> FeedbackCreate:
    return FeedbackCreate(
        text=text_,
        channel="wechat",
        sender_id=sender,
        contact=phone,
        location="东城区幸福小区3号楼",
    )


def _tickets(service: TicketService, clock: Clock, now: datetime) -> dict[str, str]:
    """Old tickets in every outcome, and one recent ticket, all carrying personal data."""
    clock.now = now - timedelta(days=200)
    old = f"我叫张三，身份证{OLD_ID}，电话{OLD_PHONE}，幸福小区门口路灯坏了"
    answered = service.submit(_complaint(old, OLD_PHONE, "o-old-1"), department_hint=CG).ticket_id
    service.act(answered, CG, Action.ACCEPT, "staff")
    service.act(answered, CG, Action.REPLY, "staff", f"已联系张三（{OLD_PHONE}），路灯已修复")
    service.rate(answered, Satisfaction.BASICALLY, f"修得慢，有事打{OLD_PHONE}")
    returned = service.submit(_complaint(old, OLD_PHONE, "o-old-2"), department_hint=CG).ticket_id
    service.act(returned, CG, Action.RETURN, "staff", f"非本部门职责，市民电话{OLD_PHONE}")
    service.submit(_complaint("建设路井盖丢了", OLD_PHONE, "o-old-3"), department_hint=CG)
    clock.now = now - timedelta(days=1)
    recent_text = f"身份证{NEW_ID}，电话{NEW_PHONE}，幸福小区门口路灯又坏了"
    recent = service.submit(_complaint(recent_text, NEW_PHONE, "o-new"), department_hint=CG)
    with service.sessions.begin() as session:  # the relay has published every notice
        session.execute(update(OutboxRow).values(published_at=OutboxRow.created_at))
    clock.now = now
    return {"answered": answered, "returned": returned, "recent": recent.ticket_id}


def _application(store: ApplicationStore, settings: Settings, age_days: int, id_number: str) -> str:
    created = store.create(
        ApplicationCreate(
            guide=GuideSnapshot(
                guide_id="G001", title="居住证", form_title="申请表", department="公安局"
            ),
            fields=[FilledField(name="id_number", label="身份证号", value=id_number, pii="id")],
            channel="web",
            sender_id="web:someone",
        )
    )
    with store._engine.begin() as conn:  # age it by setting its timestamp
        conn.execute(
            update(ApplicationRow)
            .where(ApplicationRow.reference == created.reference)
            .values(created_at=datetime.now(UTC) - timedelta(days=age_days))
        )
    return created.token


def _redis_state(client: redis.Redis, now: datetime) -> None:
    for name, age in (("old", 200), ("new", 1)):
        ts = (now - timedelta(days=age)).timestamp()
        turn = {
            "role": "user",
            "text": f"我的身份证{OLD_ID if name == 'old' else NEW_ID}",
            "ts": ts,
        }
        client.rpush(f"govassist:history:web:{name}", json.dumps(turn, ensure_ascii=False))
        tracker = {
            "sender_id": name,
            "latest_event_time": ts,
            "events": [{"event": "slot", "name": "id_number", "value": OLD_ID, "timestamp": ts}],
        }
        client.set(f"govassist:tracker:{name}", json.dumps(tracker))
        client.xadd(
            "govassist:notifications",
            {"sender_id": name, "text": f"回复：{OLD_PHONE}"},
            id=f"{int(ts * 1000)}-0",
        )
    client.set("govassist:lock:old", "x")  # not a tracker: left alone


def _dump(service: TicketService, settings: Settings) -> str:
    with service.sessions() as session:
        parts = [
            str(session.execute(text(f"SELECT * FROM {table}")).all())
            for table in ("tickets", "ticket_audit", "outbox", "bot_applications")
        ]
    return "\n".join(parts)


def test_purge_removes_old_personal_data_and_keeps_statistics(
    service: TicketService, clock: Clock, settings: Settings, redis_client: redis.Redis
) -> None:
    now = datetime.now(UTC)
    ids = _tickets(service, clock, now)
    store = ApplicationStore(service.sessions.kw["bind"], service.cipher)
    old_token = _application(store, settings, 200, OLD_ID)
    new_token = _application(store, settings, 1, NEW_ID)
    _redis_state(redis_client, now)
    corrections = settings.data_dir / "routing" / "corrections.jsonl"
    corrections.parent.mkdir(parents=True)
    line = {"text": f"电话{OLD_PHONE}路灯坏了", "department": CG, "kind": "complaint"}
    corrections.write_text(json.dumps(line, ensure_ascii=False) + "\n", encoding="utf-8")
    stats, topics = department_stats(service), hot_topics(service, days=365)
    assert OLD_PHONE in _dump(service, settings)

    dry = purge_personal_data(settings, redis_client, 180, dry_run=True)
    assert OLD_PHONE in _dump(service, settings) and redis_client.exists("govassist:tracker:old")
    report = purge_personal_data(settings, redis_client, 180)

    assert report.counts == dry.counts
    assert report.counts["tickets"] == 3 and report.counts["applications"] == 1
    assert report.counts["ticket notes"] >= 2  # at least the reply and the return reason
    assert report.counts["outbox rows"] > 0
    assert report.counts["conversation histories"] == 1 and report.counts["Rasa trackers"] == 1
    assert report.counts["stream entries"] == 1 and report.counts["routing corrections"] == 1
    assert "路灯坏了" in corrections.read_text(encoding="utf-8")
    assert OLD_PHONE not in corrections.read_text(encoding="utf-8")
    dump = _dump(service, settings)
    assert OLD_PHONE not in dump and OLD_ID not in dump and "张三" not in dump
    assert "幸福小区3号楼" not in str(_raw_old_contacts(service))
    # statistics and oversight reports are unchanged
    assert department_stats(service) == stats
    assert [(t["topic_id"], t["count"], t["tickets"]) for t in hot_topics(service, days=365)] == [
        (t["topic_id"], t["count"], t["tickets"]) for t in topics
    ]
    answered = service.department_ticket(ids["answered"], CG)
    assert answered.rating is not None and answered.contact_masked is None
    # recent data is untouched
    recent = service.department_ticket(ids["recent"], CG)
    assert NEW_ID in recent.text and recent.contact_masked == "139****1111"
    assert store.by_token(new_token).fields[0].value == NEW_ID
    with pytest.raises(ApplicationNotFound):
        store.by_token(old_token)
    assert redis_client.exists("govassist:history:web:new", "govassist:tracker:new") == 2
    assert not redis_client.exists("govassist:history:web:old", "govassist:tracker:old")
    assert redis_client.xlen("govassist:notifications") == 1
    assert redis_client.exists("govassist:lock:old")
    # idempotent
    again = purge_personal_data(settings, redis_client, 180)
    assert set(again.counts.values()) == {0}
    assert department_stats(service) == stats


def _raw_old_contacts(service: TicketService) -> list[Any]:
    with service.sessions() as session:
        return list(
            session.execute(
                select(TicketRow.contact_enc, TicketRow.location_enc, TicketRow.sender_id).where(
                    TicketRow.sender_id.startswith("anon:")
                )
            ).all()
        )


def test_sender_ids_become_stable_pseudonyms(
    service: TicketService, clock: Clock, settings: Settings, redis_client: redis.Redis
) -> None:
    now = datetime.now(UTC)
    clock.now = now - timedelta(days=30)
    for _ in range(2):
        service.submit(_complaint("路灯坏了很久了", OLD_PHONE, "o-repeat"), department_hint=CG)
    clock.now = now
    purge_personal_data(settings, redis_client, 7)
    senders = {row[2] for row in _raw_old_contacts(service)}
    assert len(senders) == 1 and "o-repeat" not in next(iter(senders))


def test_cli_validates_days_and_prints_counts(
    settings: Settings, redis_client: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    monkeypatch.setenv("SECRET_KEY", SECRET)
    runner = CliRunner()
    bad = runner.invoke(build_app(), ["privacy", "purge", "--older-than-days", "0"])
    assert bad.exit_code == 2 and "at least 1" in bad.output
    monkeypatch.setenv("RETENTION_DAYS", "30")
    ok = runner.invoke(build_app(), ["privacy", "purge", "--dry-run"])
    assert ok.exit_code == 0, ok.output
    assert "would purge" in ok.output and "tickets" in ok.output and "Rasa trackers" in ok.output
    expected = (datetime.now(UTC) - timedelta(days=30)).strftime("%Y-%m-%d")
    assert expected in ok.output


def test_routing_corrections_are_masked_when_written(tmp_path: Path) -> None:
    from feedback.factory import CorrectionLog

    path = tmp_path / "corrections.jsonl"
    CorrectionLog(path)(f"身份证{OLD_ID}，电话{OLD_PHONE}，路灯坏了", "市公安局", CG, "complaint")
    written = path.read_text(encoding="utf-8")
    assert "路灯坏了" in written and OLD_ID not in written and OLD_PHONE not in written
