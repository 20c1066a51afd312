"""``mediasync status``: per source, the last run, its counts, item totals and health."""

from __future__ import annotations

from typing import Any

import click

from mediasync._cli.output import CliState, emit, json_option, pass_state
from mediasync._models import SyncCounts


def _last_runs(connection: Any) -> dict[int, dict[str, Any]]:
    from sqlalchemy import func, select

    from mediasync._db.schema import sync_runs
    from mediasync._db.sources import as_utc

    latest = (
        select(func.max(sync_runs.c.id).label("id"))
        .where(sync_runs.c.status != "running")
        .group_by(sync_runs.c.source_id)
        .subquery()
    )
    rows = connection.execute(select(sync_runs).join(latest, sync_runs.c.id == latest.c.id))
    runs: dict[int, dict[str, Any]] = {}
    for row in rows:
        runs[row.source_id] = {
            "id": row.id,
            "status": row.status,
            "trigger": row.trigger,
            "worker": row.worker,
            "started_at": as_utc(row.started_at),
            "finished_at": as_utc(row.finished_at),
            "counts": {key: getattr(row, key) for key in SyncCounts.field_names()},
            "error": row.error,
        }
    return runs


def health(record: Any, last: dict[str, Any] | None) -> str:
    if not record.enabled:
        return "disabled"
    if last is None:
        return "never synced"
    if record.consecutive_failures:
        return f"failing ({record.consecutive_failures} in a row)"
    return "held" if last["status"] == "held" else "ok"


def _summary(entry: dict[str, Any]) -> str:
    """``photos: ok; 12 items, 1 removed; last run …``; "never synced" is said once, whether
    as the health or, for a disabled source, after it."""
    parts = [
        entry["health"],
        f"{entry['items']['active']} items, {entry['items']['removed']} removed",
    ]
    last = entry["last_run"]
    if last and last["finished_at"]:
        parts.append(f"last run {last['finished_at']:%Y-%m-%d %H:%M:%S} ({last['status']})")
    elif entry["health"] != "never synced":
        parts.append("never synced")
    return f"{entry['name']}: " + "; ".join(parts)


@click.command("status")
@click.argument("name", required=False)
@json_option
@pass_state
def status_command(state: CliState, name: str | None, as_json: bool) -> None:
    """Per source: last run, its counts, item totals, health, next due time and lease holder."""
    from mediasync._db.sources import get_source, item_counts, list_sources

    with state.app.engine.connect() as connection:
        records = [get_source(connection, name)] if name else list_sources(connection)
        runs = _last_runs(connection)
        data: list[dict[str, Any]] = [
            {
                "name": r.name,
                "type": r.type,
                "root": r.root,
                "enabled": r.enabled,
                "health": health(r, runs.get(r.id)),
                "consecutive_failures": r.consecutive_failures,
                "items": item_counts(connection, r.id),
                "last_run": runs.get(r.id),
                "next_due_at": r.next_due_at,
                "lease_expires_at": r.lease_expires_at,
                "lease_owner": r.lease_owner,
            }
            for r in records
        ]

    def text() -> None:
        if not data:
            click.echo("no sources yet: `mediasync sync PATH` indexes a folder")
        for entry in data:
            last = entry["last_run"]
            click.echo(_summary(entry))
            if last and last["error"]:
                click.echo(f"  error: {last['error']}")
            if entry["next_due_at"] is not None:
                click.echo(f"  next due {entry['next_due_at']:%Y-%m-%d %H:%M:%S} UTC")
            if entry["lease_owner"]:
                click.echo(f"  being synced by {entry['lease_owner']}")

    emit(data, as_json, text)
