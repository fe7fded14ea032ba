"""`govassist index build` and `govassist search …` (question, --file, eval, bench-govqa).

Heavy libraries (faiss, jieba, the encoder) load inside the commands, never at import.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from govassist.settings import Settings
    from search.service import SearchService

SUBVERBS = ("eval", "bench-govqa")
# ../shared beside the checkout (see the developers' guide); --govqa points elsewhere
GOVQA_PATH = (
    Path(__file__).resolve().parents[2] / "shared" / "datasets" / "msgabench" / "govqa.jsonl"
)
EVAL_DIR = Path(__file__).resolve().parent.parent / "tests" / "search" / "data"


def _settings() -> Settings:
    from govassist.settings import Settings

    return Settings()


def _service() -> SearchService:
    import os

    from knowledge.exceptions import KnowledgeError
    from search.service import build_search_service

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    settings = _settings()
    try:
        return build_search_service(settings.kb_dir, settings.resolved_index_dir, settings.encoder)
    except KnowledgeError as exc:
        typer.echo(f"知识库无法加载 (knowledge base invalid): {exc}", err=True)
        raise typer.Exit(1) from None


def _hits_json(svc: SearchService, question: str, top_k: int) -> str:
    if not svc.is_searchable(question):
        typer.echo(f"skipped question without searchable text: {question[:40]!r}", err=True)
        return "[]"
    result = svc.search(question, top_k=top_k)
    return json.dumps([h.model_dump() for h in result.hits], ensure_ascii=False)


def _print_readable(svc: SearchService, question: str, top_k: int) -> None:
    if not svc.is_searchable(question):
        typer.echo("无法检索：问题为空或没有可检索的文字 (no searchable text)", err=True)
        raise typer.Exit(2)
    result = svc.search(question, top_k=top_k)
    if result.not_found:
        typer.echo("未找到相关办事指南，请换个说法或拨打12345咨询。")
        return
    flags = "（结果相近，请选择）" if result.ambiguous else ""
    typer.echo(f"问题：{question}  关注：{result.aspect or '—'}{flags}")
    for i, hit in enumerate(result.hits, 1):
        typer.echo(
            f"{i}. [{hit.score:.3f}] {hit.title}（{hit.department}，{hit.guide_id}）· {hit.aspect}"
        )
        typer.echo(f"   {hit.snippet}")


def _run_file(svc: SearchService, path: Path, top_k: int) -> None:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        typer.echo(f"cannot read {path}: {exc}", err=True)
        raise typer.Exit(2) from None
    for line in lines:
        sys.stdout.write(_hits_json(svc, line, top_k) + "\n")


def _run_eval(questions: Path, ood_questions: Path) -> None:
    from search.evaluation import QuestionFileError, evaluate, format_report, read_questions

    try:
        labelled = read_questions(questions)
        ood = read_questions(ood_questions)
    except QuestionFileError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    svc = _service()
    titles = {g.title: g.id for g in svc.kb.guides}
    retriever = svc.retriever
    typer.echo(f"index: {svc.manifest.passages} passages of {svc.manifest.documents} guides")
    report = evaluate(retriever, labelled, ood, titles, retriever.config.threshold)
    typer.echo(format_report(report))


def _run_govqa(limit: int | None, path: Path, encoder: str | None) -> None:
    from search.govqa import GOVQA_ENCODER, format_govqa, run_govqa

    if not path.exists():
        typer.echo(f"GovQA file not found: {path}", err=True)
        raise typer.Exit(2)
    try:
        report = run_govqa(path, encoder or GOVQA_ENCODER, limit=limit, echo=typer.echo)
    except RuntimeError as exc:  # an encoder whose package is missing
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    typer.echo(format_govqa(report))


def register(app: typer.Typer) -> None:
    """Add `index build` and `search` to the root command."""
    index_app = typer.Typer(
        no_args_is_help=True, add_completion=False, help="Build the search index."
    )

    @index_app.command("build")
    def build(
        force: Annotated[
            bool, typer.Option("--force", help="rebuild even when up to date")
        ] = False,
    ) -> None:
        """Build or refresh the search index (skips when up to date)."""
        from knowledge.loader import load_knowledge_base
        from search.encoders import load_encoder
        from search.service import build_processor, ensure_index

        settings = _settings()
        kb = load_knowledge_base(settings.kb_dir)
        encoder = load_encoder(settings.encoder)
        with typer.progressbar(length=1, label="encoding passages", file=sys.stderr) as bar:

            def progress(done: int, total: int) -> None:
                bar.length = total
                bar.update(done - bar.pos)

            manifest, rebuilt = ensure_index(
                kb, settings.resolved_index_dir, encoder, build_processor(kb), force, progress
            )
        state = "built" if rebuilt else "up to date"
        typer.echo(
            f"index {state}: {manifest.passages} passages, {manifest.documents} guides, "
            f"{manifest.index_type}, {manifest.encoder} ({manifest.build_seconds}s) "
            f"in {settings.resolved_index_dir}"
        )

    app.add_typer(index_app, name="index")

    @app.command("search")
    def search(
        question: Annotated[
            str | None, typer.Argument(help="question, or `eval` / `bench-govqa`")
        ] = None,
        top_k: Annotated[
            int | None, typer.Option("--top-k", min=1, max=50, help="default SEARCH_TOP_K")
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="print a JSON array of hits")] = False,
        file: Annotated[
            Path | None, typer.Option("--file", help="one question per line → JSON Lines")
        ] = None,
        limit: Annotated[
            int | None, typer.Option("--limit", help="bench-govqa: first N questions")
        ] = None,
        govqa: Annotated[Path, typer.Option("--govqa", help="bench-govqa: data file")] = GOVQA_PATH,
        encoder: Annotated[
            str | None,
            typer.Option(
                "--encoder",
                help="bench-govqa: encoder for the answers (default: the bundled E5, "
                "e5-small-multilingual; use-multilingual or a sentence-transformers model)",
            ),
        ] = None,
        questions: Annotated[
            Path, typer.Option("--questions", help="eval: labelled questions (JSON Lines)")
        ] = EVAL_DIR / "eval_questions.jsonl",
        ood: Annotated[
            Path, typer.Option("--ood", help="eval: out-of-domain questions (JSON Lines)")
        ] = EVAL_DIR / "ood_questions.jsonl",
    ) -> None:
        """Search the service guides; `search eval` / `search bench-govqa` run the evaluations."""
        if question == "eval":
            _run_eval(questions, ood)
            return
        if question == "bench-govqa":
            _run_govqa(limit, govqa, encoder)
            return
        if file is None and question is None:
            typer.echo("give a QUESTION or --file FILE", err=True)
            raise typer.Exit(2)
        svc = _service()
        k = top_k or _settings().search_top_k
        if file is not None:
            _run_file(svc, file, k)
        elif as_json:
            typer.echo(_hits_json(svc, question or "", k))
        else:
            _print_readable(svc, question or "", k)
