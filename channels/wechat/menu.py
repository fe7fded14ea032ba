"""The official account's custom menu: the YAML definition, its checks, and what a click asks.

WeChat's limits (自定义菜单): at most 3 buttons, a group holds at most 5; names at most 16 bytes
(4 Chinese characters) for a button and 60 bytes inside a group; keys at most 128 bytes.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from knowledge.problems import Problem
from knowledge.store import KnowledgeBase
from knowledge.yamlfile import read_yaml

MENU_FILE = Path(__file__).with_name("menu.yaml")
_KEY = re.compile(r"^(SERVICE:[A-Za-z0-9_-]{1,64}|INTENT:[a-z_]{1,64}|ASK:\S.{0,40})$")


class MenuInvalid(ValueError):
    """The menu file cannot be used; the message lists every problem with its file and line."""


def _max_bytes(limit: int) -> Any:
    def check(value: str) -> str:
        if len(value.encode()) > limit:
            raise ValueError(f"longer than {limit} bytes (WeChat's limit)")
        return value

    return AfterValidator(check)


Key = Annotated[str, Field(pattern=_KEY.pattern), _max_bytes(128)]
Url = Annotated[str, Field(pattern=r"^https?://\S+$"), _max_bytes(1024)]


class _Leaf(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["click", "view"] | None = None
    key: Key | None = None
    url: Url | None = None

    def _check_leaf(self) -> None:
        if self.type == "click" and (self.key is None or self.url is not None):
            raise ValueError("a click button has a key and no url")
        if self.type == "view" and (self.url is None or self.key is not None):
            raise ValueError("a view button has a url and no key")


class SubButton(_Leaf):
    """A button inside a group."""

    type: Literal["click", "view"]
    name: Annotated[str, Field(min_length=1), _max_bytes(60)]

    @model_validator(mode="after")
    def _leaf(self) -> SubButton:
        self._check_leaf()
        return self


class MenuButton(_Leaf):
    """A top-level button: a click/view button, or a group of sub-buttons."""

    name: Annotated[str, Field(min_length=1), _max_bytes(16)]
    sub_button: list[SubButton] = Field(default_factory=list, max_length=5)

    @model_validator(mode="after")
    def _leaf_or_group(self) -> MenuButton:
        if self.sub_button and (self.type or self.key or self.url):
            raise ValueError("a group has only a name and sub_button")
        if not self.sub_button:
            if self.type is None:
                raise ValueError("a button needs a type (click, view) or a sub_button list")
            self._check_leaf()
        return self


class Menu(BaseModel):
    """The whole menu, in the JSON shape of WeChat's menu/create API."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    button: list[MenuButton] = Field(min_length=1, max_length=3)

    def clicks(self) -> list[SubButton | MenuButton]:
        """Every click button, in menu order."""
        leaves: list[SubButton | MenuButton] = []
        for button in self.button:
            leaves.extend(button.sub_button or [button])
        return [leaf for leaf in leaves if leaf.type == "click"]

    def to_wechat(self) -> dict[str, Any]:
        """The menu/create request body (a plain button has no sub_button list)."""
        body = self.model_dump(exclude_none=True)
        for button in body["button"]:
            if not button["sub_button"]:
                del button["sub_button"]
        return body


def load_menu(path: Path = MENU_FILE) -> Menu:
    """Parse and validate the menu file; MenuInvalid lists every problem as `file:line: …`."""
    document = read_yaml(path)
    if isinstance(document, Problem):
        raise MenuInvalid(str(document))
    try:
        return Menu.model_validate(document.data)
    except ValidationError as exc:
        problems = [
            f"{path}:{document.line_of(tuple(e['loc']))}: {'.'.join(map(str, e['loc']))}: "
            f"{e['msg']}"
            for e in exc.errors()
        ]
        raise MenuInvalid("\n".join(problems)) from None


def check_menu(menu: Menu, kb: KnowledgeBase, intents: set[str]) -> list[str]:
    """What the menu names that the knowledge base or the bot does not have."""
    problems = []
    for button in menu.clicks():
        kind, _, value = str(button.key).partition(":")
        if kind == "SERVICE":
            guide = kb.find_guide(value)
            if guide is None:
                problems.append(f"{button.name}: no service guide {value} in the knowledge base")
            elif button.name not in (guide.title, *guide.aliases):
                problems.append(f"{button.name}: {value} is '{guide.title}', not this service")
        elif kind == "INTENT" and value not in intents:
            problems.append(f"{button.name}: the bot has no intent '{value}'")
    return problems


def click_text(key: str) -> str | None:
    """What a tapped click button says to the dialogue (None: nothing to ask)."""
    kind, _, value = key.partition(":")
    if not value:
        return key or None
    if kind == "SERVICE":
        return "/ask_service" + json.dumps({"service_id": value})
    if kind == "INTENT":
        return "/" + value
    if kind == "ASK":
        return value
    return key
