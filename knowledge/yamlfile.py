"""Read YAML while remembering on which line each value starts, for error messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from knowledge.problems import Problem

Loc = tuple[str | int, ...]


@dataclass
class YamlDocument:
    """Parsed YAML data plus the 1-based line of every mapping key and sequence item.

    `problems` are duplicate keys: YAML loaders keep the last value silently, so an edit that
    adds a second `steps:` would quietly drop the first; they make the file invalid.
    """

    path: Path
    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def line_of(self, loc: Loc) -> int:
        """The line of `loc`, or of its nearest ancestor that has one."""
        for end in range(len(loc), -1, -1):
            if loc[:end] in self.lines:
                return self.lines[loc[:end]]
        return 1


def _index_lines(node: yaml.Node, loc: Loc, doc: YamlDocument) -> None:
    doc.lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key, value in node.value:
            name, line = str(key.value), key.start_mark.line + 1
            if name in seen and key.tag != "tag:yaml.org,2002:merge":
                where = ".".join(map(str, (*loc, name)))
                message = f"duplicate key '{where}' (first on line {seen[name]}; only one is kept)"
                doc.problems.append(Problem(doc.path, line, message))
            seen.setdefault(name, line)
            doc.lines[(*loc, name)] = line
            _index_lines(value, (*loc, name), doc)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index_lines(item, (*loc, i), doc)


def read_yaml(path: Path) -> YamlDocument | Problem:
    """Parse one YAML file; a syntax error comes back as a located Problem."""
    try:
        text = path.read_text(encoding="utf-8")
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except UnicodeDecodeError:
        return Problem(path, 1, "file is not UTF-8 text")
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 1
        return Problem(path, line, f"YAML syntax error: {exc.problem or exc}")
    doc = YamlDocument(path=path, data=data)
    if node is not None:
        _index_lines(node, (), doc)
    return doc
