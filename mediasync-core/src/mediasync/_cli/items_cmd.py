"""``mediasync items``: what the index holds, and an item's history."""

from __future__ import annotations

from typing import Any

import click

from mediasync._cli.output import CliState, emit, json_option, pass_state
from mediasync._errors import UsageError


def _item(row: Any) -> dict[str, Any]:
    from datetime import UTC, datetime, timedelta

    from mediasync._db.sources import as_utc

    return {
        "id": row.id,
        "source": row.source,
        "source_id": row.external_id,
        "path": row.path,
        "name": row.name,
        "size": row.size,
        "mtime": datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=row.mtime_us),
        "sha256": row.sha256,
        "native_hash": row.native_hash,
        "mime_type": row.mime_type,
        "kind": row.kind,
        "width": row.width,
        "height": row.height,
        "duration": row.duration,
        "active": bool(row.active),
        "first_seen": as_utc(row.first_seen_at),
        "changed_at": as_utc(row.changed_at),
        "removed_at": as_utc(row.removed_at),
        "origin": row.origin,
    }


def _query() -> Any:
    from sqlalchemy import select

    from mediasync._db.schema import media_items, sources

    return select(media_items, sources.c.name.label("source")).join(
        sources, sources.c.id == media_items.c.source_id
    )


@click.group("items")
def items_group() -> None:
    """Look at indexed media items."""


@items_group.command("list")
@click.option("--source", "source_name", help="Only this source's items.")
@click.option("--removed", "which", flag_value="removed", help="Only items marked removed.")
@click.option("--all", "which", flag_value="all", help="Active and removed items.")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True)
@json_option
@pass_state
def list_command(
    state: CliState, source_name: str | None, which: str | None, limit: int, as_json: bool
) -> None:
    """List items (active ones unless --removed or --all), by path."""
    from mediasync._db.schema import media_items, sources
    from mediasync._db.sources import get_source

    query = _query()
    with state.app.engine.connect() as connection:
        if source_name is not None:
            get_source(connection, source_name)
            query = query.where(sources.c.name == source_name)
        if which is None:
            query = query.where(media_items.c.active.is_(True))
        elif which == "removed":
            query = query.where(media_items.c.active.is_(False))
        rows = connection.execute(query.order_by(sources.c.name, media_items.c.path).limit(limit))
        data = [_item(row) for row in rows]

    def text() -> None:
        for item in data:
            mark = "" if item["active"] else "  (removed)"
            click.echo(f"{item['id']:>8}  {item['source']}:{item['path']}  {item['size']}{mark}")

    emit(data, as_json, text)


@items_group.command("show")
@click.argument("item_id", type=int)
@json_option
@pass_state
def show_command(state: CliState, item_id: int, as_json: bool) -> None:
    """Show one item with its history (added, renamed, moved, modified, removed, restored)."""
    from sqlalchemy import select

    from mediasync._db.schema import media_events, media_items
    from mediasync._db.sources import as_utc

    with state.app.engine.connect() as connection:
        row = connection.execute(_query().where(media_items.c.id == item_id)).first()
        if row is None:
            raise UsageError(f"no item with id {item_id}")
        data = _item(row)
        events = connection.execute(
            select(media_events)
            .where(media_events.c.item_id == item_id)
            .order_by(media_events.c.id)
        )
        data["events"] = [
            {
                "kind": e.kind,
                "at": as_utc(e.at),
                "old_path": e.old_path,
                "new_path": e.new_path,
                "sync_run_id": e.sync_run_id,
            }
            for e in events
        ]

    def text() -> None:
        for key, value in data.items():
            if key != "events":
                click.echo(f"{key}: {'' if value is None else value}")
        click.echo("history:")
        for event in data["events"]:
            paths = " -> ".join(p for p in (event["old_path"], event["new_path"]) if p)
            click.echo(f"  {event['at']:%Y-%m-%d %H:%M:%S}  {event['kind']:<9} {paths}")

    emit(data, as_json, text)
