"""`govassist demo` / `govassist serve`: start every process of the assistant locally."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the process commands to the root command."""

    @app.command()
    def demo() -> None:
        """Build what is missing and start the whole assistant locally."""
        typer.echo("govassist demo: nothing to start yet")
