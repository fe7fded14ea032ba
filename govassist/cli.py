"""The `govassist` command: one entry point, each package contributes its own commands."""

from __future__ import annotations

import typer

from channels.wechat.cli import register as register_wechat
from feedback.cli import register as register_feedback
from govassist.retention import register as register_retention
from govassist.runner import register as register_runner
from govassist.train import register as register_train
from knowledge.cli import app as kb_app
from search.cli import register as register_search


def build_app() -> typer.Typer:
    """Assemble the command tree; heavy libraries load inside the commands, not here."""
    app = typer.Typer(no_args_is_help=True, add_completion=False, help="政务服务智能助手 govassist")
    app.add_typer(
        kb_app, name="kb", help="Validate, inspect and import the service-guide knowledge base."
    )
    register_search(app)
    register_feedback(app)
    register_runner(app)
    register_train(app)
    register_retention(app)
    register_wechat(app)
    return app


def main() -> None:
    build_app()()
