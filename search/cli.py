"""`govassist index …` and `govassist search …` (filled in by the search package)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the search commands to the root command."""
    del app
