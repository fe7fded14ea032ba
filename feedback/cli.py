"""`govassist route …`: classify messages, benchmark on public data, retrain with corrections."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

MAX_CHARS = 4000


def _router() -> object:
    from feedback.routing import load_router
    from govassist.settings import Settings
    from knowledge.loader import load_knowledge_base

    settings = Settings()
    return load_router(load_knowledge_base(settings.kb_dir), settings.data_dir)


def _check(text: str, where: str) -> str:
    cleaned = text.strip()
    if not cleaned:
        typer.echo(f"error: {where}: empty message", err=True)
        raise typer.Exit(2)
    if len(cleaned) > MAX_CHARS:
        typer.echo(f"error: {where}: message longer than {MAX_CHARS} characters", err=True)
        raise typer.Exit(2)
    return cleaned


def _as_json(decision: object) -> str:
    data = decision.model_dump(mode="json")  # type: ignore[attr-defined]
    return json.dumps(data, ensure_ascii=False)


def route_command(
    message: Annotated[
        str | None, typer.Argument(help="the message, or 'bench' / 'retrain'")
    ] = None,
    file: Annotated[
        Path | None, typer.Option("--file", help="one message per line; JSON Lines out")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    limit: Annotated[
        int | None, typer.Option("--limit", help="bench: use at most N training rows per dataset")
    ] = None,
) -> None:
    """Route a citizen's message: kind, department, confidence and alternatives."""
    if message == "bench":
        from feedback.routing.bench import run_bench

        run_bench(limit=limit)
        return
    if message == "retrain":
        from feedback.routing.retrain import run_retrain

        run_retrain()
        return
    if file is not None:
        if not file.is_file():
            typer.echo(f"error: {file}: no such file", err=True)
            raise typer.Exit(2)
        lines = file.read_text(encoding="utf-8").splitlines()
        texts = [_check(line, f"{file}:{n}") for n, line in enumerate(lines, 1) if line.strip()]
        router = _router()
        for decision in router.predict_many(texts):  # type: ignore[attr-defined]
            sys.stdout.write(_as_json(decision) + "\n")
        return
    if message is None:
        typer.echo("error: give a MESSAGE or --file FILE", err=True)
        raise typer.Exit(2)
    decision = _router().predict(_check(message, "MESSAGE"))  # type: ignore[attr-defined]
    if as_json:
        typer.echo(_as_json(decision))
    else:
        typer.echo(
            f"{decision.kind.value}  →  {decision.department}  ({decision.confidence:.2f})"
            + ("  [人工派单]" if decision.manual else "")
        )
        for alt in decision.alternatives:
            typer.echo(f"    {alt.department} ({alt.confidence:.2f})")


def register(app: typer.Typer) -> None:
    """Add `govassist route` to the root command."""
    app.command("route")(route_command)
