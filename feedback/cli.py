"""`govassist route …` and ticket commands (filled in by the feedback package)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the feedback commands to the root command."""
    del app
