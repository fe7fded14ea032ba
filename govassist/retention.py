"""`govassist privacy purge`: remove personal data past the retention age from every store.

Each store's purge lives in the package that owns the store; this module only composes them:
tickets (feedback), pre-filled applications (bot.applications), Rasa trackers (bot), conversation
histories and citizen-text streams (channels). Anonymised statistics stay.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer
from redis import Redis

from govassist.settings import Settings


@dataclass(frozen=True)
class PurgeReport:
    """Counts per store of what was purged (or would be, in a dry run)."""

    cutoff: datetime
    dry_run: bool
    counts: dict[str, int]

    def lines(self) -> list[str]:
        verb = "would purge" if self.dry_run else "purged"
        head = f"{verb} personal data older than {self.cutoff:%Y-%m-%d %H:%M} UTC:"
        return [head, *(f"  {store:<24} {count}" for store, count in self.counts.items())]


def purge_personal_data(
    settings: Settings, redis: Redis, older_than_days: int, dry_run: bool = False
) -> PurgeReport:
    """Run every store's purge with one cutoff; idempotent."""
    from bot.applications.store import ApplicationStore
    from bot.tracker_retention import purge_trackers
    from channels.retention import purge_histories, purge_streams
    from feedback.db import make_engine, session_factory
    from feedback.privacy import Cipher
    from feedback.retention import purge_tickets, redact_corrections

    if older_than_days < 1:
        raise ValueError("older_than_days must be at least 1")
    cutoff = datetime.now(UTC) - timedelta(days=older_than_days)
    secret = settings.secret_key.get_secret_value()
    engine = make_engine(settings.resolved_database_url)
    try:
        tickets = purge_tickets(session_factory(engine), cutoff, secret, dry_run)
        applications = ApplicationStore(engine, Cipher(secret)).purge_older_than(cutoff, dry_run)
    finally:
        engine.dispose()
    counts = {
        **tickets.as_counts(),
        "applications": applications,
        "conversation histories": purge_histories(redis, cutoff, dry_run),
        "Rasa trackers": purge_trackers(redis, cutoff, Cipher(secret), dry_run),
        "stream entries": purge_streams(redis, cutoff, dry_run),
        "routing corrections": redact_corrections(
            settings.data_dir / "routing" / "corrections.jsonl", dry_run
        ),
    }
    return PurgeReport(cutoff, dry_run, counts)


def purge_command(
    older_than_days: Annotated[
        int | None,
        typer.Option(
            "--older-than-days", help="retention age in days (≥ 1); default: RETENTION_DAYS"
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="count what would be purged, change nothing")
    ] = False,
) -> None:
    """Purge personal data older than the retention age; statistics stay."""
    from govassist.embedded_redis import start_embedded_redis

    settings = Settings()
    days = settings.retention_days if older_than_days is None else older_than_days
    if days < 1:
        typer.echo(f"error: --older-than-days must be at least 1 (got {days})", err=True)
        raise typer.Exit(2)
    url, started = (
        (settings.redis_url, None)
        if settings.redis_url
        else start_embedded_redis(settings.data_dir)
    )
    redis = Redis.from_url(url)
    try:
        report = purge_personal_data(settings, redis, days, dry_run)
    finally:
        redis.close()
        if started is not None:
            started.terminate()
    for line in report.lines():
        typer.echo(line)


def register(app: typer.Typer) -> None:
    """Add `govassist privacy purge` to the root command."""
    privacy = typer.Typer(no_args_is_help=True, help="Personal data: retention.")
    privacy.command("purge")(purge_command)
    app.add_typer(privacy, name="privacy")
