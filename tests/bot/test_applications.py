"""Application store (SQLite and PostgreSQL), encryption at rest, documents and the HTTP router."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from bot.applications.db import upgrade
from bot.applications.document import render_html, render_pdf
from bot.applications.router import router
from bot.applications.schemas import ApplicationCreate, FilledField, GuideSnapshot
from bot.applications.store import ApplicationNotFound, ApplicationStore
from feedback.privacy import Cipher
from tests.conftest import POSTGRES_URL

ID_NUMBER = "110101199003071233"


def request() -> ApplicationCreate:
    guide = GuideSnapshot(
        guide_id="GA-001",
        title="居住证申领",
        form_title="示例市居住证申领表",
        department="市公安局",
        materials=["居民身份证（原件1份）"],
        locations=["各区派出所户籍窗口：居住地派出所（工作日）"],
        online="https://zwfw.example.gov.cn/service/GA-001",
        phone="0000-12345-110",
    )
    return ApplicationCreate(
        guide=guide,
        fields=[
            FilledField(name="full_name", label="姓名", value="张<三>", pii="name"),
            FilledField(name="id_number", label="公民身份号码", value=ID_NUMBER, pii="id_number"),
            FilledField(name="employer", label="工作单位", value=None),
        ],
        channel="web",
        sender_id="visitor-1",
    )


@pytest.fixture()
def sqlite_store(tmp_path: Path) -> ApplicationStore:
    url = f"sqlite:///{tmp_path / 'apps.db'}"
    upgrade(url)
    return ApplicationStore(create_engine(url), Cipher("test-secret"))


@pytest.fixture()
def postgres_store() -> Iterator[ApplicationStore]:
    schema = f"bot_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL)
    try:
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
    except Exception as exc:  # pragma: no cover - reported, not hidden
        pytest.fail(f"PostgreSQL at {POSTGRES_URL} unavailable: {exc}")
    url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    try:
        upgrade(url)
        yield ApplicationStore(create_engine(url), Cipher("test-secret"))
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def test_store_round_trip_sqlite(sqlite_store: ApplicationStore) -> None:
    stored = sqlite_store.create(request())
    assert stored.reference.startswith("SQ") and len(stored.token) >= 32
    again = sqlite_store.by_token(stored.token)
    assert again.reference == stored.reference
    assert [f.value for f in again.fields] == ["张<三>", ID_NUMBER, None]


@pytest.mark.postgres
def test_store_round_trip_postgres(postgres_store: ApplicationStore) -> None:
    stored = postgres_store.create(request())
    assert postgres_store.by_token(stored.token).fields[1].value == ID_NUMBER


def test_personal_data_is_encrypted_and_tokens_hashed(
    sqlite_store: ApplicationStore, tmp_path: Path
) -> None:
    stored = sqlite_store.create(request())
    raw = (tmp_path / "apps.db").read_bytes()
    assert ID_NUMBER.encode() not in raw and "张<三>".encode() not in raw
    assert stored.token.encode() not in raw


def test_unknown_token_is_not_found(sqlite_store: ApplicationStore) -> None:
    with pytest.raises(ApplicationNotFound):
        sqlite_store.by_token("no-such-token-000000000000")


def test_documents_list_fields_materials_and_where_to_submit(
    sqlite_store: ApplicationStore,
) -> None:
    stored = sqlite_store.create(request())
    html = render_html(stored)
    assert "张&lt;三&gt;" in html and ID_NUMBER in html and "（未填写）" in html
    assert "居民身份证" in html and "派出所" in html and stored.reference in html
    pdf = render_pdf(stored)
    assert pdf.startswith(b"%PDF") and b"STSong-Light" in pdf


def test_router_serves_html_and_pdf_and_404(sqlite_store: ApplicationStore) -> None:
    app = FastAPI()
    app.include_router(router)
    app.state.application_store = sqlite_store
    stored = sqlite_store.create(request())
    with TestClient(app) as client:
        html = client.get(f"/applications/{stored.token}.html")
        assert html.status_code == 200 and "示例市居住证申领表" in html.text
        assert html.headers["cache-control"] == "private, no-store"
        pdf = client.get(f"/applications/{stored.token}.pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        assert client.get(f"/applications/{stored.token}.txt").status_code == 404
        missing = client.get("/applications/" + "A" * 32 + ".html")
        assert missing.status_code == 404 and "没有找到" in missing.json()["detail"]
