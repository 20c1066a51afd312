"""``mediasync status``: per source, the last run, its counts, item totals and health."""

from __future__ import annotations

from typing import Any

import attrs
import click

from mediasync._cli.output import CliState, emit, json_option, pass_state
from mediasync._results import SourceStatus


def status_json(status: SourceStatus) -> dict[str, Any]:
    """The documented ``status --json`` shape of one source (docs/cli.md)."""
    last = status.last_run
    return {
        "name": status.name,
        "type": status.type,
        "root": status.root,
        "enabled": status.enabled,
        "health": status.health,
        "consecutive_failures": status.consecutive_failures,
        "items": {"active": status.items_active, "removed": status.items_removed},
        "last_run": None if last is None else attrs.asdict(last),
        "next_due_at": status.next_due_at,
        "lease_expires_at": status.lease_expires_at,
        "lease_owner": status.lease_owner,
    }


def _summary(status: SourceStatus) -> str:
    """``photos: ok; 12 items, 1 removed; last run …``; "never synced" is said once, whether
    as the health or, for a disabled source, after it."""
    parts = [status.health, f"{status.items_active} items, {status.items_removed} removed"]
    last = status.last_run
    if last is not None and last.finished_at:
        parts.append(f"last run {last.finished_at:%Y-%m-%d %H:%M:%S} ({last.status.value})")
    elif status.health != "never synced":
        parts.append("never synced")
    return f"{status.name}: " + "; ".join(parts)


@click.command("status")
@click.argument("name", required=False)
@json_option
@pass_state
def status_command(state: CliState, name: str | None, as_json: bool) -> None:
    """Per source: last run, its counts, item totals, health, next due time and lease holder."""
    statuses = state.workspace.status(name)

    def text() -> None:
        if not statuses:
            click.echo("no sources yet: `mediasync sync PATH` indexes a folder")
        for status in statuses:
            click.echo(_summary(status))
            if status.last_run is not None and status.last_run.error:
                click.echo(f"  error: {status.last_run.error}")
            if status.next_due_at is not None:
                click.echo(f"  next due {status.next_due_at:%Y-%m-%d %H:%M:%S} UTC")
            if status.lease_owner:
                click.echo(f"  being synced by {status.lease_owner}")

    emit([status_json(status) for status in statuses], as_json, text)
