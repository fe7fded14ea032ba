"""`govassist wechat menu push`: check the custom menu against the KB and the bot, create it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from channels.wechat.menu import MENU_FILE, Menu, MenuInvalid, check_menu, load_menu


def bot_intents(bot_dir: Path) -> set[str]:
    """The intents declared in the bot's domain files."""
    import yaml

    intents: set[str] = set()
    for path in sorted((bot_dir / "domain").glob("*.yml")):
        for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("intents", []):
            intents.update(item if isinstance(item, dict) else [item])
    return intents


def _checked_menu(path: Path) -> Menu:
    from govassist.settings import Settings
    from knowledge.loader import load_knowledge_base

    try:
        menu = load_menu(path)
    except (MenuInvalid, OSError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    settings = Settings()
    problems = check_menu(menu, load_knowledge_base(settings.kb_dir), bot_intents(settings.bot_dir))
    for problem in problems:
        typer.echo(f"error: {path}: {problem}", err=True)
    if problems:
        raise typer.Exit(1)
    return menu


def push_command(
    file: Annotated[Path, typer.Option("--file", help="the menu definition (YAML)")] = MENU_FILE,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="check and print the request body; send nothing")
    ] = False,
) -> None:
    """Create the official account's custom menu through WeChat's menu/create API."""
    menu = _checked_menu(file)
    body = menu.to_wechat()
    if dry_run:
        typer.echo(json.dumps(body, ensure_ascii=False, indent=2))
        return
    import redis
    from wechatpy.exceptions import WeChatClientException

    from channels.wechat.api_client import wechat_client
    from govassist.settings import Settings

    settings = Settings()
    client = wechat_client(
        settings.wechat_api_base,
        settings.wechat_app_id,
        settings.wechat_app_secret.get_secret_value(),
        redis.Redis.from_url(settings.redis_url, socket_timeout=2) if settings.redis_url else None,
    )
    try:
        client.menu.create(body)
    except (WeChatClientException, OSError) as exc:
        typer.echo(f"error: WeChat refused the menu: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"menu pushed: {len(menu.button)} buttons, {len(menu.clicks())} click keys")


def register(app: typer.Typer) -> None:
    """Add `govassist wechat menu push` to the root command."""
    wechat = typer.Typer(no_args_is_help=True, help="The WeChat official account.")
    menu = typer.Typer(no_args_is_help=True, help="The custom menu (channels/wechat/menu.yaml).")
    menu.command("push")(push_command)
    wechat.add_typer(menu, name="menu")
    app.add_typer(wechat, name="wechat")
