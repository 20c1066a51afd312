"""``mediasync items``: what the index holds, and an item's history.

``items list`` streams: one item is formatted and written at a time, so exporting a million
items takes the memory of a database fetch, not of the list.
"""

from __future__ import annotations

import functools
import json
import operator
import sys
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

import attrs
import click

from mediasync._cli.output import CliState, emit, json_default, json_option, pass_state
from mediasync._results import Item

KINDS = ("image", "video", "audio", "other")
ORDERS = ("path", "taken", "size", "id")
ORIENTATIONS = ("portrait", "landscape", "square")


_ITEM_FIELDS = tuple(field.name for field in attrs.fields(Item) if field.name != "events")
_item_values: Callable[[Item], tuple[Any, ...]] = operator.attrgetter(*_ITEM_FIELDS)
_TIMES = tuple(_ITEM_FIELDS.index(name) for name in ("mtime", "first_seen", "changed_at"))


@functools.lru_cache(maxsize=4096)
def _iso(moment: datetime) -> str:
    """Items written in one batch share their times: each is formatted once."""
    return moment.isoformat()


def item_json(item: Item) -> dict[str, Any]:
    """The documented JSON shape of an item (docs/cli.md); ``events`` only when it has them."""
    values = list(_item_values(item))
    for index in _TIMES:
        values[index] = _iso(values[index])
    data = dict(zip(_ITEM_FIELDS, values, strict=True))
    if item.removed_at is not None:
        data["removed_at"] = _iso(item.removed_at)
    if item.taken_at is not None:
        data["taken_at"] = _iso(item.taken_at)
    if item.provenance is not None:
        data["provenance"] = attrs.asdict(item.provenance)
    if item.events:
        data["events"] = [attrs.asdict(event) for event in item.events]
    return data


def _write_items(items: Iterable[Item], lines: bool) -> None:
    """Streams items as JSON Lines, or as one JSON list written item by item; the output is
    buffered, not flushed per item (which cost more than the items themselves)."""
    stream = sys.stdout
    dumps = json.JSONEncoder(default=json_default, ensure_ascii=False).encode
    if lines:
        for item in items:
            stream.write(dumps(item_json(item)) + "\n")
    else:
        stream.write("[")
        for number, item in enumerate(items):
            stream.write(("\n" if number == 0 else ",\n") + dumps(item_json(item)))
        stream.write("\n]\n")
    stream.flush()


class DateParam(click.ParamType):  # type: ignore[type-arg]
    """A date (``2024-05-01``) or a date and time (``2024-05-01T12:00``), UTC unless given."""

    name = "DATE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, datetime):
            return value
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not a date (YYYY-MM-DD) or date and time", param, ctx)
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def facts_line(item: Item) -> str:
    """``4032x3024, taken 2024-05-01 12:34:56 +02:00, Canon EOS R6, 12.5 s``: what the bytes
    (or the source) say about the media; ``unknown`` when nothing."""
    parts: list[str] = []
    if item.width and item.height:
        parts.append(f"{item.width}x{item.height}")
    if item.taken_at is not None:
        offset = item.metadata.get("taken_offset")
        moment = item.taken_at
        if isinstance(offset, str):
            try:
                zone = datetime.fromisoformat(f"2000-01-01T00:00{offset}").tzinfo
            except ValueError:
                offset, zone = None, UTC
            moment = moment.astimezone(zone)
        parts.append(f"taken {moment:%Y-%m-%d %H:%M:%S} {offset or 'UTC'}")
    camera = " ".join(
        str(item.metadata[k]) for k in ("camera_make", "camera_model") if item.metadata.get(k)
    )
    if camera:
        parts.append(camera)
    if item.duration is not None:
        parts.append(f"{item.duration:.1f} s")
    return ", ".join(parts) or "unknown"


@click.group("items")
def items_group() -> None:
    """Look at indexed media items."""


@items_group.command("list")
@click.option("--source", "source_name", help="Only this source's items.")
@click.option("--removed", "which", flag_value="removed", help="Only items marked removed.")
@click.option("--all", "which", flag_value="all", help="Active and removed items.")
@click.option("--kind", type=click.Choice(KINDS), help="Only items of this kind.")
@click.option("--since", type=DateParam(), help="Modified at or after this date (UTC).")
@click.option("--until", type=DateParam(), help="Modified before this date (UTC).")
@click.option("--taken-since", type=DateParam(), help="Taken at or after this date (UTC).")
@click.option("--taken-until", type=DateParam(), help="Taken before this date (UTC).")
@click.option("--min-width", type=click.IntRange(min=1), metavar="PX", help="At least this wide.")
@click.option("--min-height", type=click.IntRange(min=1), metavar="PX", help="At least this tall.")
@click.option("--orientation", type=click.Choice(ORIENTATIONS), help="Shape as shown.")
@click.option(
    "--order",
    type=click.Choice(ORDERS),
    default="path",
    show_default=True,
    help="taken: oldest first, unknown last; size: largest first.",
)
@click.option("--path", "path_glob", metavar="GLOB", help="Paths matching GLOB ('*' crosses /).")
@click.option("--after", "after_id", type=int, metavar="ID", help="Items after this id, by id.")
@click.option(
    "--group", "group_id", metavar="ID", help="One group's items (a carousel), in their order."
)
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=100,
    show_default=True,
    help="At most this many items; 0 for all.",
)
@click.option("--jsonl", is_flag=True, help="One JSON object per line (streamed).")
@json_option
@pass_state
def list_command(
    state: CliState,
    source_name: str | None,
    which: str | None,
    kind: str | None,
    since: datetime | None,
    until: datetime | None,
    taken_since: datetime | None,
    taken_until: datetime | None,
    min_width: int | None,
    min_height: int | None,
    orientation: Any,
    order: Any,
    path_glob: str | None,
    after_id: int | None,
    group_id: str | None,
    limit: int,
    jsonl: bool,
    as_json: bool,
) -> None:
    """List items (active ones unless --removed or --all), by path, or by id with --after."""
    active = {None: True, "removed": False, "all": None}[which]
    items = state.workspace.items(
        source=source_name,
        active=active,
        kind=kind,
        since=since,
        until=until,
        path_glob=path_glob,
        after_id=after_id,
        group_id=group_id,
        limit=limit or None,
        taken_since=taken_since,
        taken_until=taken_until,
        min_width=min_width,
        min_height=min_height,
        orientation=orientation,
        order=order,
    )
    if jsonl or as_json:
        _write_items(items, lines=jsonl)
    else:
        for item in items:
            mark = "" if item.active else "  (removed)"
            click.echo(f"{item.id:>8}  {item.source}:{item.path}  {item.size}{mark}")


@items_group.command("show")
@click.argument("item_id", type=int)
@json_option
@pass_state
def show_command(state: CliState, item_id: int, as_json: bool) -> None:
    """Show one item with its history (added, renamed, moved, modified, removed, restored)."""
    item = state.workspace.item(item_id)
    data = item_json(item)
    data.setdefault("events", [])

    def text() -> None:
        click.echo(f"facts: {facts_line(item)}")
        for key, value in data.items():
            if key != "events":
                click.echo(f"{key}: {'' if value is None else value}")
        click.echo("history:")
        for event in item.events:
            paths = " -> ".join(p for p in (event.old_path, event.new_path) if p)
            click.echo(f"  {event.at:%Y-%m-%d %H:%M:%S}  {event.kind.value:<9} {paths}")

    emit(data, as_json, text)
