"""Texts: the citizen-facing sentences of the custom actions, loaded from texts.yml."""

from __future__ import annotations

from pathlib import Path

import yaml

TEXTS_FILE = Path(__file__).with_name("texts.yml")


class Texts:
    """Read-only access to texts.yml; `format(key, **values)` fills the placeholders."""

    def __init__(self, entries: dict[str, str]) -> None:
        self._entries = entries

    @classmethod
    def load(cls, path: Path = TEXTS_FILE) -> Texts:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return cls({str(k): str(v) for k, v in data.items()})

    def __getitem__(self, key: str) -> str:
        return self._entries[key]

    def get(self, key: str) -> str | None:
        return self._entries.get(key)

    def format(self, key: str, **values: object) -> str:
        return self._entries[key].format(**values)
