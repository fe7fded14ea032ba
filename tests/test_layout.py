"""The dependency direction between packages holds (checked on the import statements)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OURS = {"knowledge", "search", "feedback", "channels", "bot", "govassist"}
# package -> the packages of ours it may import
ALLOWED = {
    "knowledge": {"knowledge", "govassist"},
    "search": {"search", "knowledge", "govassist"},
    "feedback": {"feedback", "knowledge", "govassist"},
    "bot": {"bot", "search", "feedback", "knowledge", "govassist"},
    "channels": {"channels", "search", "feedback", "bot", "knowledge", "govassist"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names & OURS


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_only_what_it_may(package: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imports(path) - ALLOWED[package])
        for path in (ROOT / package).rglob("*.py")
        if "models" not in path.parts and _imports(path) - ALLOWED[package]
    }
    assert offenders == {}


def test_govassist_settings_are_not_read_by_pure_packages() -> None:
    """knowledge and search take plain arguments; only CLI modules may build Settings."""
    for package in ("knowledge", "search"):
        for path in (ROOT / package).rglob("*.py"):
            if path.name != "cli.py":
                assert "govassist" not in _imports(path), path
