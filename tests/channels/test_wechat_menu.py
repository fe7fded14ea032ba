"""The custom menu: its file is valid, names real services and intents, every click is handled,
and `govassist wechat menu push` creates it through the (stubbed) WeChat API."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import xmltodict
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from channels.wechat.cli import bot_intents
from channels.wechat.menu import MenuInvalid, check_menu, click_text, load_menu
from govassist.cli import build_app
from govassist.settings import Settings
from knowledge.loader import load_knowledge_base
from tests.channels.conftest import APP_ID, APP_SECRET, REDIS_URL
from tests.channels.stubs import RasaNluStub, WeChatApiStub
from tests.channels.test_wechat import signed

SERVICES = {"居住证", "社会保障卡", "住房公积金"}  # what the brief's menu must offer at least


def click_xml(key: str, user: str = "oMenu1") -> bytes:
    return (
        f"<xml><ToUserName>gh_city</ToUserName><FromUserName>{user}</FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType>event</MsgType>"
        f"<Event>CLICK</Event><EventKey><![CDATA[{key}]]></EventKey></xml>"
    ).encode()


def test_menu_file_names_services_of_the_kb_and_intents_of_the_bot() -> None:
    settings = Settings()
    menu = load_menu()
    kb = load_knowledge_base(settings.kb_dir)
    assert check_menu(menu, kb, bot_intents(settings.bot_dir)) == []
    keys = [str(b.key) for b in menu.clicks()]
    assert {"INTENT:file_complaint", "INTENT:check_ticket"} <= set(keys)
    titles = " ".join(b.name for b in menu.clicks() if str(b.key).startswith("SERVICE:"))
    assert all(service in titles for service in SERVICES)


def test_every_click_key_in_the_menu_is_answered(
    client: TestClient, rasa_stub: RasaNluStub
) -> None:
    rasa_stub.state.replies = [{"text": "已为您找到办事指南"}]
    for number, button in enumerate(load_menu().clicks()):
        key = str(button.key)
        response = client.post(f"/wechat?{signed()}", content=click_xml(key, f"oMenu{number}"))
        assert response.status_code == 200, key
        assert xmltodict.parse(response.text)["xml"]["Content"] == "已为您找到办事指南", key
        asked = rasa_stub.state.received[-1]
        kind, _, value = key.partition(":")
        if kind == "SERVICE":  # the bot's ask_service with the guide id: no NLU guesswork
            assert asked.startswith("/ask_service")
            assert json.loads(asked.removeprefix("/ask_service")) == {"service_id": value}
        else:
            assert kind == "INTENT" and asked == f"/{value}"
    assert len(rasa_stub.state.received) == len(load_menu().clicks())


@pytest.mark.parametrize(
    ("key", "text"),
    [
        ("SERVICE:GA-001", '/ask_service{"service_id": "GA-001"}'),
        ("INTENT:check_ticket", "/check_ticket"),
        ("ASK:居住证怎么办", "居住证怎么办"),
        ("居住证", "居住证"),  # a key from an older menu: asked as typed text
        ("", None),
    ],
)
def test_click_keys_become_dialogue_messages(key: str, text: str | None) -> None:
    assert click_text(key) == text


@pytest.mark.parametrize(
    ("yaml_text", "line", "reason"),
    [
        (
            "button:\n  - {type: click, name: 办事指南很长的名字, key: 'SERVICE:GA-001'}\n",
            2,
            "16 bytes",
        ),
        ("button:\n  - name: 办事\n    type: view\n    key: 'SERVICE:GA-001'\n", 2, "url"),
        ("button:\n  - name: 办事\n    sub_button: []\n", 2, "type"),
        ("button:\n  - {type: click, name: 办事, key: 'DELETE:all'}\n", 2, "pattern"),
        ("button: [" + "{type: click, name: a, key: 'ASK:x'}," * 4 + "]\n", 1, "at most 3"),
        ("button:\n  - {type: click, name: a, key: 'ASK:x'\n", 3, "YAML syntax"),
    ],
)
def test_bad_menu_files_are_refused_with_file_and_line(
    tmp_path: Path, yaml_text: str, line: int, reason: str
) -> None:
    path = tmp_path / "menu.yaml"
    path.write_text(yaml_text, encoding="utf-8")
    with pytest.raises(MenuInvalid) as caught:
        load_menu(path)
    assert f"{path}:{line}:" in str(caught.value) and reason in str(caught.value)


def test_menu_push_creates_the_menu_through_the_wechat_api(
    wechat_stub: WeChatApiStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in {
        "WECHAT_API_BASE": wechat_stub.base_url,
        "WECHAT_APP_ID": APP_ID,
        "WECHAT_APP_SECRET": APP_SECRET,
        "REDIS_URL": REDIS_URL,
    }.items():
        monkeypatch.setenv(name, value)
    before = len(wechat_stub.state.menus)
    result = CliRunner().invoke(build_app(), ["wechat", "menu", "push"])
    assert result.exit_code == 0, result.output
    assert "menu pushed: 3 buttons" in result.output
    assert wechat_stub.state.menus[before:] == [load_menu().to_wechat()]
    created = wechat_stub.state.menus[-1]["button"]
    assert created[0]["sub_button"][0] == {
        "type": "click",
        "name": "居住证申领",
        "key": "SERVICE:GA-001",
    }
    assert "sub_button" not in created[2]


def test_menu_push_refuses_a_menu_naming_an_unknown_service(tmp_path: Path) -> None:
    path = tmp_path / "menu.yaml"
    path.write_text("button:\n  - {type: click, name: 落户, key: 'SERVICE:XX-999'}\n", "utf-8")
    result = CliRunner().invoke(build_app(), ["wechat", "menu", "push", "--file", str(path)])
    assert result.exit_code == 1 and "XX-999" in result.output
