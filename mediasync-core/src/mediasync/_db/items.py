"""Reading ``media_items`` and ``media_events`` for people and scripts (not for the engine).

``iter_items`` streams: rows are fetched in chunks, so listing a million items takes the memory
of one chunk. Paging is by id (``after_id``), which stays exact while the index changes.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Connection, select

from mediasync._db.schema import media_events, media_items, sources
from mediasync._db.sources import as_utc
from mediasync._models import ChangeKind
from mediasync._results import Item, ItemEvent

__all__ = ["ItemOrder", "item_by_id", "item_events", "iter_items"]

ItemOrder = Literal["path", "id"]
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CHUNK = 2000


def _item(row: Any) -> Item:
    return Item(
        id=row.id,
        source=row.source,
        source_id=row.external_id,
        path=row.path,
        name=row.name,
        size=row.size,
        mtime=_EPOCH + timedelta(microseconds=row.mtime_us),
        sha256=row.sha256,
        native_hash=row.native_hash,
        mime_type=row.mime_type,
        kind=row.kind,
        width=row.width,
        height=row.height,
        duration=row.duration,
        active=bool(row.active),
        first_seen=as_utc(row.first_seen_at) or row.first_seen_at,
        changed_at=as_utc(row.changed_at) or row.changed_at,
        removed_at=as_utc(row.removed_at),
        origin=row.origin,
    )


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


def _micros(moment: datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH) // timedelta(microseconds=1)


def iter_items(
    connection: Connection,
    *,
    source_id: int | None = None,
    active: bool | None = True,
    kind: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    path_glob: str | None = None,
    order: ItemOrder = "path",
    limit: int | None = None,
    after_id: int | None = None,
) -> Iterator[Item]:
    """Items matching every filter given; ``since``/``until`` bound the modification time
    (``since`` inclusive, ``until`` exclusive); ``path_glob`` is matched against the whole path
    (``*`` crosses folders). With ``after_id`` the order is by id."""
    query = select(media_items, sources.c.name.label("source")).join(
        sources, sources.c.id == media_items.c.source_id
    )
    if source_id is not None:
        query = query.where(media_items.c.source_id == source_id)
    if active is not None:
        query = query.where(media_items.c.active.is_(active))
    if kind is not None:
        query = query.where(media_items.c.kind == kind)
    if since is not None:
        query = query.where(media_items.c.mtime_us >= _micros(since))
    if until is not None:
        query = query.where(media_items.c.mtime_us < _micros(until))
    if path_glob is not None:
        query = query.where(media_items.c.path.like(_like(path_glob), escape="\\"))
    if after_id is not None:
        query = query.where(media_items.c.id > after_id)
    if order == "id" or after_id is not None:
        query = query.order_by(media_items.c.id)
    else:
        query = query.order_by(sources.c.name, media_items.c.path, media_items.c.id)
    if limit is not None and path_glob is None:
        query = query.limit(limit)
    produced = 0
    rows = connection.execute(query.execution_options(yield_per=_CHUNK))
    for row in rows:
        if path_glob is not None and not fnmatch.fnmatchcase(row.path, path_glob):
            continue
        yield _item(row)
        produced += 1
        if limit is not None and produced >= limit:
            rows.close()
            return


def item_by_id(connection: Connection, item_id: int) -> Item | None:
    query = (
        select(media_items, sources.c.name.label("source"))
        .join(sources, sources.c.id == media_items.c.source_id)
        .where(media_items.c.id == item_id)
    )
    row = connection.execute(query).first()
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
