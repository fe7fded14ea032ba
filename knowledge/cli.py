"""`govassist kb validate|stats|import`."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import typer

from knowledge.loader import parse_corpus

app = typer.Typer(no_args_is_help=True, add_completion=False)


def _default_root() -> Path:
    from govassist.settings import Settings

    return Settings().kb_dir


@app.command()
def validate(path: Path | None = typer.Argument(None, help="KB folder (default: KB_DIR)")) -> None:
    """Report every problem of the knowledge base with file and line; exit 1 if any error."""
    from knowledge.validate import validate_kb

    root = path or _default_root()
    problems = validate_kb(root)
    for problem in problems:
        typer.echo(str(problem), err=True)
    errors = [p for p in problems if not p.warning]
    corpus_size = len(list((root / "guides").rglob("*.y*ml"))) if (root / "guides").is_dir() else 0
    if errors:
        typer.echo(
            f"{len(errors)} error(s), {len(problems) - len(errors)} warning(s) in {root}", err=True
        )
        raise typer.Exit(1)
    typer.echo(f"OK: {corpus_size} guides in {root}, {len(problems)} warning(s)")


@app.command()
def stats(path: Path | None = typer.Argument(None, help="KB folder (default: KB_DIR)")) -> None:
    """Counts by department and theme; guides missing FAQs or forms."""
    corpus = parse_corpus(path or _default_root())
    guides = [g for g, _ in corpus.guides]
    typer.echo(
        f"guides: {len(guides)}  departments: {len(corpus.departments)}  "
        f"with form: {sum(g.form is not None for g in guides)}  "
        f"FAQs: {sum(len(g.faqs) for g in guides)}"
    )
    typer.echo("\nby department:")
    by_dept = Counter(g.department for g in guides)
    for dept, _ in corpus.departments:
        typer.echo(f"  {by_dept.get(dept.name, 0):4d}  {dept.name}")
    typer.echo("\nby theme:")
    for theme, n in Counter(g.theme for g in guides).most_common():
        typer.echo(f"  {n:4d}  {theme}")
    few = [g for g in guides if len(g.faqs) < 3]
    typer.echo(f"\nguides with fewer than 3 FAQs: {len(few)}")
    for g in few:
        typer.echo(f"  {g.id} {g.title} ({len(g.faqs)})")
    typer.echo(f"guides without a form: {sum(g.form is None for g in guides)}")
    if corpus.problems:
        typer.echo(
            f"\n{len(corpus.problems)} file(s) failed to parse: run 'govassist kb validate'",
            err=True,
        )


@app.command("import")
def import_(
    source: Path = typer.Argument(..., help="spreadsheet export, .xlsx or .csv"),
    path: Path | None = typer.Option(None, "--kb", help="KB folder (default: KB_DIR)"),
    force: bool = typer.Option(
        False, "--force", help="replace guide files a row names by 事项编码"
    ),
) -> None:
    """Import guides from a spreadsheet: good rows are written, bad rows reported by row number."""
    from knowledge.importer import import_guides

    if not source.is_file():
        typer.echo(f"error: {source}: no such file", err=True)
        raise typer.Exit(2)
    try:
        report = import_guides(source, path or _default_root(), force=force)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    for target in report.written:
        typer.echo(f"imported {target}")
    for row, reason in report.errors:
        typer.echo(f"{source}:row {row}: {reason}", err=True)
    typer.echo(f"{len(report.written)} imported, {len(report.errors)} bad row(s)")
    if report.errors:
        raise typer.Exit(1)
