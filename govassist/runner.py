"""`govassist demo`: prepare what is missing and start every process of the assistant locally.

Order: validate the KB → embedded Redis (if REDIS_URL is empty) → database migrations →
search index → Rasa model → action server, Rasa server, ticket worker, gateway → print URLs.
Each preparation step skips work already done, so a second run starts in seconds.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import typer

from govassist.processes import ProcessSpec, Supervisor, interrupt_on_termination, is_healthy
from govassist.settings import REPO_ROOT, Settings


def _say(message: str) -> None:
    typer.secho(f"[govassist] {message}", fg=typer.colors.BLUE)


def _step(title: str, cmd: list[str], env: dict[str, str]) -> None:
    _say(title)
    result = subprocess.run(cmd, env=env, cwd=REPO_ROOT, check=False)
    if result.returncode != 0:
        raise typer.Exit(result.returncode)


def child_env(settings: Settings, redis_url: str) -> dict[str, str]:
    """Environment for every child: shared-state URLs, also split out for Rasa's endpoints.yml."""
    parsed = urlparse(redis_url)
    env = dict(os.environ)
    env.update(
        REDIS_URL=redis_url,
        REDIS_HOST=parsed.hostname or "127.0.0.1",
        REDIS_PORT=str(parsed.port or 6379),
        REDIS_DB=(parsed.path.lstrip("/") or "0"),
        REDIS_PASSWORD=parsed.password or "",
        DATABASE_URL=settings.resolved_database_url,
        ACTIONS_PORT=str(settings.actions_port),
        RASA_PORT=str(settings.rasa_port),
        RASA_URL=f"http://127.0.0.1:{settings.rasa_port}",
        SECRET_KEY=settings.secret_key.get_secret_value(),  # also read from .env: pass it on
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        PYTHONUNBUFFERED="1",
    )
    return env


def print_urls(settings: Settings) -> None:
    base = settings.resolved_public_base_url
    typer.secho("\n政务服务智能助手 govassist is running:", fg=typer.colors.GREEN, bold=True)
    for label, path in [
        ("citizen web chat (demo portal page)", "/"),
        ("hotline agent console", "/console/agent"),
        ("department console", "/console/department"),
        ("WeChat official-account endpoint", "/wechat"),
        ("API docs (OpenAPI)", "/docs"),
        ("health", "/healthz"),
    ]:
        typer.echo(f"  {label:38s} {base}{path}")
    typer.echo("Press Ctrl-C to stop.\n")


def _prepare(settings: Settings, env: dict[str, str]) -> None:
    exe = str(Path(sys.executable).parent / "govassist")
    _step("checking the knowledge base", [exe, "kb", "validate", str(settings.kb_dir)], env)
    _step("applying database migrations", [exe, "db", "upgrade"], env)
    _step("building the search index (skipped when up to date)", [exe, "index", "build"], env)
    _step("training the Rasa model (skipped when up to date)", [exe, "train"], env)


def rasa_cmd(settings: Settings, interface: str = "127.0.0.1") -> list[str]:
    """bot/serve.py's `rasa run` bound to `interface`, its HTTP API behind RASA_AUTH_TOKEN."""
    from bot.serve import rasa_server_cmd

    cmd = rasa_server_cmd(settings)
    cmd[cmd.index("--interface") + 1] = interface
    return [*cmd, "--auth-token", settings.rasa_auth_token.get_secret_value()]


def _services(settings: Settings, env: dict[str, str]) -> list[ProcessSpec]:
    from bot.serve import action_server_cmd, rasa_process_env

    logs = settings.data_dir / "logs"
    py = sys.executable
    gateway = [
        py,
        "-m",
        "channels.serve",  # uvicorn with request deadlines (slow clients)
        "--host",
        settings.govassist_host,
        "--port",
        str(settings.govassist_port),
    ]
    return [
        ProcessSpec(
            "action server",
            action_server_cmd(settings),
            env,
            logs / "actions.log",
            f"http://127.0.0.1:{settings.actions_port}/readyz",  # KB and index loaded
            REPO_ROOT,
        ),
        ProcessSpec(
            "Rasa server",
            rasa_cmd(settings),
            {**env, **rasa_process_env(settings)},
            logs / "rasa.log",
            f"http://127.0.0.1:{settings.rasa_port}/readyz",  # model loaded (no token)
            REPO_ROOT / "bot",
        ),
        ProcessSpec(
            "ticket worker",
            [py, "-m", "feedback.worker"],
            env,
            logs / "worker.log",
            None,
            REPO_ROOT,
        ),
        ProcessSpec(
            "gateway",
            gateway,
            env,
            logs / "gateway.log",
            f"http://127.0.0.1:{settings.govassist_port}/healthz",
            REPO_ROOT,
        ),
    ]


def run_demo(settings: Settings) -> None:
    """Start everything and block until Ctrl-C."""
    if is_healthy(f"http://127.0.0.1:{settings.govassist_port}/healthz"):
        _say(f"already running on port {settings.govassist_port}")
        print_urls(settings)
        return
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    interrupt_on_termination()  # `kill <pid>` stops the children too, like Ctrl-C
    supervisor = Supervisor(say=_say)
    redis_url, redis_proc = settings.redis_url, None
    if not redis_url:
        from govassist.embedded_redis import start_embedded_redis

        redis_url, redis_proc = start_embedded_redis(settings.data_dir)
        _say(f"embedded Redis at {redis_url}" + ("" if redis_proc else " (already running)"))
    env = child_env(settings, redis_url)
    try:
        _prepare(settings, env)
        for spec in _services(settings, env):
            supervisor.start(spec)
        # generous: a busy 2-core machine needs minutes to load the Rasa model
        for name, timeout in [("action server", 300), ("Rasa server", 600), ("gateway", 300)]:
            _say(f"waiting for the {name} …")
            supervisor.wait_healthy(name, timeout)
        print_urls(settings)
        supervisor.watch()
    except KeyboardInterrupt:
        _say("stopping")
    except RuntimeError as exc:
        typer.secho(str(exc), fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from None
    finally:
        supervisor.stop_all()
        if redis_proc is not None:
            redis_proc.terminate()


_LOOPBACK = ("127.0.0.1", "::1", "localhost")


def serve_plan(role: str, settings: Settings, host: str = "127.0.0.1") -> ProcessSpec:
    """What `govassist serve ROLE` execs: the demo's command with bot/serve.py's environment."""
    from bot.serve import action_server_cmd, action_server_env, rasa_server_env

    if not settings.redis_url:
        raise ValueError("REDIS_URL must point at the shared Redis (no embedded Redis here)")
    if role == "actions":
        env = action_server_env(settings)
        return ProcessSpec(role, action_server_cmd(settings), env, Path("-"), None, REPO_ROOT)
    if role != "rasa":
        raise ValueError(f"unknown role {role!r}: rasa | actions")
    default = Settings.model_fields["rasa_auth_token"].default.get_secret_value()
    if host not in _LOOPBACK and settings.rasa_auth_token.get_secret_value() == default:
        raise ValueError(f"RASA_AUTH_TOKEN must be set to serve Rasa's API on {host}")
    env = rasa_server_env(settings)
    return ProcessSpec(role, rasa_cmd(settings, host), env, Path("-"), None, settings.bot_dir)


def _exec(spec: ProcessSpec) -> None:
    os.chdir(spec.cwd or REPO_ROOT)
    os.execve(spec.cmd[0], spec.cmd, spec.env)


def _register_serve(app: typer.Typer) -> None:
    serve_app = typer.Typer(
        no_args_is_help=True, help="Run one process in the foreground, as deploy/ files do."
    )

    def run(role: str, port_field: str, port: int | None, host: str = "127.0.0.1") -> None:
        settings = Settings()
        if port is not None:
            settings = settings.model_copy(update={port_field: port})
        try:
            spec = serve_plan(role, settings, host)
        except ValueError as exc:
            typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
            raise typer.Exit(2) from None
        _exec(spec)

    @serve_app.command("rasa")
    def serve_rasa(host: str = "127.0.0.1", port: int | None = None) -> None:
        """The Rasa server as `govassist demo` runs it (off loopback only with RASA_AUTH_TOKEN)."""
        run("rasa", "rasa_port", port, host)

    @serve_app.command("actions")
    def serve_actions(port: int | None = None) -> None:
        """The custom action server (bot.action_server, 127.0.0.1) as `govassist demo` runs it."""
        run("actions", "actions_port", port)

    app.add_typer(serve_app, name="serve")


def register(app: typer.Typer) -> None:
    """Add `demo`, `serve` and `db` to the root command."""
    _register_serve(app)

    @app.command()
    def demo() -> None:
        """Build what is missing and start the whole assistant locally, printing the URLs."""
        run_demo(Settings())

    db_app = typer.Typer(no_args_is_help=True, help="Database schema.")

    @db_app.command("upgrade")
    def db_upgrade() -> None:
        """Apply every package's Alembic migrations to DATABASE_URL (SQLite by default)."""
        from govassist.database import upgrade_all

        settings = Settings()
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        for name in upgrade_all(settings.resolved_database_url):
            typer.echo(f"migrated: {name}")

    app.add_typer(db_app, name="db")
