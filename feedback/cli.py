"""`govassist route …`: classify messages, benchmark on public data, cross-validate on our train
split, retrain with corrections."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

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


def _read_lines(file: Path) -> list[str]:
    """The file's lines, decoded; a clear error (exit 2) naming the file and line otherwise."""
    try:
        raw = file.read_bytes()
    except OSError as exc:
        typer.echo(f"error: {file}: {exc.strerror or 'cannot read'}", err=True)
        raise typer.Exit(2) from None
    lines = []
    for n, line in enumerate(raw.splitlines(), 1):
        try:
            lines.append(line.decode("utf-8"))
        except UnicodeDecodeError as exc:
            typer.echo(
                f"error: {file}:{n}: not valid UTF-8 (byte 0x{line[exc.start]:02x} at byte "
                f"{exc.start + 1} of the line); save the file as UTF-8",
                err=True,
            )
            raise typer.Exit(2) from None
    return lines


def _problem(text: str) -> str | None:
    if len(text.strip()) > MAX_CHARS:
        return f"message longer than {MAX_CHARS} characters"
    return None


def _route_file(file: Path) -> int:
    """One output line per input line: a decision, an empty line for a blank one, or an error
    object for a bad one. Returns the exit code: 0, or 1 when some line was bad."""
    if not file.is_file():
        typer.echo(f"error: {file}: no such file", err=True)
        return 2
    lines = [line.lstrip("\ufeff") if n == 0 else line for n, line in enumerate(_read_lines(file))]
    problems = [_problem(line) for line in lines]
    todo = [n for n, line in enumerate(lines) if line.strip() and problems[n] is None]
    router: Any = _router() if todo else None
    decisions = router.predict_many([lines[n].strip() for n in todo]) if router else []
    routed = dict(zip(todo, decisions, strict=True))
    for n in range(len(lines)):
        if n in routed:
            sys.stdout.write(_as_json(routed[n]) + "\n")
        elif problems[n] is not None:
            error = {"error": problems[n], "line": n + 1}
            sys.stdout.write(json.dumps(error, ensure_ascii=False) + "\n")
            typer.echo(f"error: {file}:{n + 1}: {problems[n]}", err=True)
        else:
            sys.stdout.write("\n")
    return 1 if any(problems) else 0


def _as_json(decision: object) -> str:
    data = decision.model_dump(mode="json")  # type: ignore[attr-defined]
    return json.dumps(data, ensure_ascii=False)


def route_command(
    message: Annotated[
        str | None, typer.Argument(help="the message, or 'bench' / 'cv' / 'retrain'")
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            help="UTF-8, one message per line; one JSON line out per line (blank for a blank "
            "line, {'error', 'line'} for a bad one; exit 1 if any)",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    limit: Annotated[
        int | None, typer.Option("--limit", help="bench: use at most N training rows per dataset")
    ] = None,
    folds: Annotated[int, typer.Option("--folds", min=2, help="cv: number of folds")] = 4,
    seeds: Annotated[int, typer.Option("--seeds", min=1, help="cv: seeds 0..N-1")] = 2,
) -> None:
    """Route a citizen's message: kind, department, confidence and alternatives."""
    if message == "bench":
        from feedback.routing.bench import run_bench

        run_bench(limit=limit)
        return
    if message == "cv":
        from feedback.routing.cv import run_cv

        run_cv(folds=folds, seeds=seeds)
        return
    if message == "retrain":
        from feedback.routing.retrain import run_retrain

        run_retrain()
        return
    if file is not None:
        raise typer.Exit(_route_file(file))
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
