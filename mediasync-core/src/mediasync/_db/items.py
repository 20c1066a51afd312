"""Reading ``media_items`` and ``media_events`` for people and scripts (not for the engine).

``iter_items`` streams: rows are fetched in chunks, so listing a million items takes the memory
of one chunk. Paging is by id (``after_id``), which stays exact while the index changes.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import Connection, Text, func, select, type_coerce

from mediasync._db.schema import media_events, media_items, sources
from mediasync._db.sources import as_utc
from mediasync._db.times import from_mtime_us, mtime_us
from mediasync._models import ChangeKind, Provenance
from mediasync._results import Item, ItemEvent

__all__ = [
    "ItemOrder",
    "Orientation",
    "count_items",
    "item_by_id",
    "item_columns",
    "item_events",
    "item_of",
    "iter_items",
]

ItemOrder = Literal["path", "id", "taken", "size"]
"""``path`` (by source, then path), ``id``, ``taken`` (capture time, oldest first, unknown
last), ``size`` (largest first)."""
Orientation = Literal["portrait", "landscape", "square"]
_CHUNK = 2000


_COLUMNS = (
    media_items.c.id,
    sources.c.name,
    media_items.c.external_id,
    media_items.c.path,
    media_items.c.name,
    media_items.c.size,
    media_items.c.mtime_us,
    media_items.c.sha256,
    media_items.c.native_hash,
    media_items.c.mime_type,
    media_items.c.kind,
    media_items.c.width,
    media_items.c.height,
    media_items.c.duration,
    media_items.c.active,
    type_coerce(media_items.c.first_seen_at, Text),
    type_coerce(media_items.c.changed_at, Text),
    type_coerce(media_items.c.removed_at, Text),
    type_coerce(media_items.c.taken_at, Text),
    type_coerce(media_items.c.metadata, Text),
    media_items.c.revision,
    media_items.c.group_id,
    media_items.c.position,
    media_items.c.provenance_type,
    media_items.c.provenance_source,
    media_items.c.provenance_id,
    type_coerce(media_items.c.copied_at, Text),
)
"""In ``Item`` field order: rows are unpacked by position (by name costs a lookup per field,
which was a third of exporting 100,000 items). Times and ``metadata`` come as the database's
text on SQLite and are decoded here: ``datetime.fromisoformat`` is several times faster than
the generic conversion, and a missing mapping is not decoded at all. PostgreSQL's driver
hands both over decoded already."""


def _utc(value: datetime | str) -> datetime:
    """An aware UTC time from SQLite's text (written without its offset) or from PostgreSQL's
    driver. The offset is parsed with the text: ``replace(tzinfo=…)`` afterwards took five
    times as long as the parse, a third of decoding an item."""
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value + "+00:00")
        except ValueError:  # an offset already there, or only a date
            value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def item_columns() -> tuple[Any, ...]:
    """The columns ``item_of`` decodes, in order (for queries joined to ``sources``)."""
    return _COLUMNS


def item_of(row: Any) -> Item:
    return _item(row)


def _item(row: Any) -> Item:
    (item_id, source, source_id, path, name, size, micros, sha256, native_hash,
     mime_type, kind, width, height, duration, active, first_seen, changed_at, removed_at,
     taken_at, metadata, revision, group_id, position, provenance_type, provenance_source,
     provenance_id, copied_at) = row  # fmt: skip
    provenance = None
    if provenance_source is not None:
        provenance = Provenance(
            provenance_type or "",
            provenance_source,
            provenance_id or "",
            None if copied_at is None else _utc(copied_at),
        )
    return Item(
        item_id,
        source,
        source_id,
        path,
        name,
        size,
        from_mtime_us(micros),
        sha256,
        native_hash,
        mime_type,
        kind,
        width,
        height,
        duration,
        bool(active),
        _utc(first_seen),
        _utc(changed_at),
        None if removed_at is None else _utc(removed_at),
        None if taken_at is None else _utc(taken_at),
        _mapping(metadata),
        revision,
        group_id,
        position,
        provenance,
    )


def _mapping(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, str):
        return dict(value)  # PostgreSQL's driver decodes JSON itself
    decoded = json.loads(value)
    return decoded if isinstance(decoded, dict) else {}


def _select() -> Any:
    return select(*_COLUMNS).join(sources, sources.c.id == media_items.c.source_id)


def _like(glob: str) -> str:
    """A LIKE pattern that every path matching ``glob`` matches (``fnmatch`` then decides)."""
    out = []
    in_class = False
    for char in glob:
        if in_class:
            in_class = char != "]"
            continue
        if char == "[":
            in_class = True
            out.append("_")
        elif char == "*":
            out.append("%")
        elif char == "?":
            out.append("_")
        elif char in "%_\\":
            out.append("\\" + char)
        else:
            out.append(char)
    return "".join(out)


def _fact_filters(
    query: Any,
    taken_since: datetime | None,
    taken_until: datetime | None,
    min_width: int | None,
    min_height: int | None,
    orientation: Orientation | None,
) -> Any:
    c = media_items.c
    if taken_since is not None:
        query = query.where(c.taken_at >= taken_since)
    if taken_until is not None:
        query = query.where(c.taken_at < taken_until)
    if min_width is not None:
        query = query.where(c.width >= min_width)
    if min_height is not None:
        query = query.where(c.height >= min_height)
    if orientation == "portrait":
        query = query.where(c.height > c.width)
    elif orientation == "landscape":
        query = query.where(c.width > c.height)
    elif orientation == "square":
        query = query.where(c.width == c.height)
    return query


def _ordered(query: Any, order: ItemOrder, grouped: bool) -> Any:
    c = media_items.c
    if order == "id":
        return query.order_by(c.id)
    if order == "taken":
        return query.order_by(c.taken_at.asc().nulls_last(), c.id)
    if order == "size":
        return query.order_by(c.size.desc().nulls_last(), c.id)
    if grouped:
        return query.order_by(sources.c.name, c.position, c.id)
    return query.order_by(sources.c.name, c.path, c.id)


def items_query(
    *,
    source_id: int | None = None,
    active: bool | None = True,
    kind: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    path_glob: str | None = None,
    order: ItemOrder = "path",
    after_id: int | None = None,
    group_id: str | None = None,
    taken_since: datetime | None = None,
    taken_until: datetime | None = None,
    min_width: int | None = None,
    min_height: int | None = None,
    orientation: Orientation | None = None,
) -> Any:
    """The ``SELECT`` of ``iter_items`` (see there), without its limit."""
    query = _select()
    if source_id is not None:
        query = query.where(media_items.c.source_id == source_id)
    if active is not None:
        query = query.where(media_items.c.active.is_(active))
    if kind is not None:
        query = query.where(media_items.c.kind == kind)
    if since is not None:
        query = query.where(media_items.c.mtime_us >= mtime_us(since))
    if until is not None:
        query = query.where(media_items.c.mtime_us < mtime_us(until))
    if path_glob is not None:
        query = query.where(media_items.c.path.like(_like(path_glob), escape="\\"))
    if after_id is not None:
        query = query.where(media_items.c.id > after_id)
    if group_id is not None:
        query = query.where(media_items.c.group_id == group_id)
    query = _fact_filters(query, taken_since, taken_until, min_width, min_height, orientation)
    query = _ordered(query, "id" if after_id is not None else order, group_id is not None)
    return query


def iter_items(
    connection: Connection,
    *,
    order: ItemOrder = "path",
    limit: int | None = None,
    path_glob: str | None = None,
    **filters: Any,
) -> Iterator[Item]:
    """Items matching every filter given; ``since``/``until`` bound the modification time
    and ``taken_since``/``taken_until`` the capture time (each since inclusive, until
    exclusive; items with no known capture time never match those); ``min_width`` and
    ``min_height`` the size as shown; ``orientation`` compares width and height.
    ``path_glob`` is matched against the whole path (``*`` crosses folders). With
    ``after_id`` the order is by id; within a group (``group_id``) it is by position unless
    another ``order`` than ``path`` is given."""
    query = items_query(order=order, path_glob=path_glob, **filters)
    if limit is not None and path_glob is None:
        query = query.limit(limit)
    produced = 0
    rows = connection.execute(query.execution_options(yield_per=_CHUNK))
    for row in rows:
        if path_glob is not None and not fnmatch.fnmatchcase(row[3], path_glob):
            continue
        yield _item(row)
        produced += 1
        if limit is not None and produced >= limit:
            rows.close()
            return


def count_items(connection: Connection, *, source_id: int, kind: str | None = None) -> int:
    """How many active items the source has (of ``kind``): a copy's progress total."""
    query = select(func.count()).where(
        media_items.c.source_id == source_id, media_items.c.active.is_(True)
    )
    if kind is not None:
        query = query.where(media_items.c.kind == kind)
    return int(connection.execute(query).scalar_one())


def item_by_id(connection: Connection, item_id: int) -> Item | None:
    row = connection.execute(_select().where(media_items.c.id == item_id)).first()
    return None if row is None else _item(row)


def item_events(connection: Connection, item_id: int) -> list[ItemEvent]:
    query = (
        select(media_events).where(media_events.c.item_id == item_id).order_by(media_events.c.id)
    )
    return [
        ItemEvent(
            kind=ChangeKind(row.kind),
            at=as_utc(row.at) or row.at,
            old_path=row.old_path,
            new_path=row.new_path,
            sync_run_id=row.sync_run_id,
        )
        for row in connection.execute(query)
    ]
